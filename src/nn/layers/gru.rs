//! Gated recurrent unit, in both forms.
//!
//! * [`GruForm::ResetBefore`] (Keras `reset_after=False`, RNNoise): gate rows in the order
//!   z, r, h.
//!   ```text
//!   z = σ(Wz·x + Uz·h + bz)      r = σ(Wr·x + Ur·h + br)
//!   ĥ = act(Wh·x + Uh·(r ⊙ h) + bh)
//!   h' = z ⊙ h + (1 − z) ⊙ ĥ
//!   ```
//! * [`GruForm::ResetAfter`] (PyTorch `nn.GRU`, ONNX `linear_before_reset=1`): gate rows in
//!   PyTorch's order r, z, n.
//!   ```text
//!   r = σ(Wr·x + b_ir + Ur·h + b_hr)      z = σ(Wz·x + b_iz + Uz·h + b_hz)
//!   n = act(Wn·x + b_in + r ⊙ (Un·h + b_hn))
//!   h' = (1 − z) ⊙ n + z ⊙ h
//!   ```

use super::{check_weights, Activation, Linear, MatrixFormat};
use crate::nn::KernelLevel;
use crate::{Error, Result};

/// Where the reset gate acts: see the module docs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum GruForm {
    /// Reset gate applied to the state before the recurrent product (Keras, RNNoise).
    #[default]
    ResetBefore,
    /// Reset gate applied after the recurrent product (PyTorch, ONNX).
    ResetAfter,
}

/// Everything a [`Gru`] is built from. Matrices are row-major `[3·hidden][inputs]` and
/// `[3·hidden][hidden]` with gate rows in the form's order (z, r, h for `ResetBefore`; r, z, n
/// for `ResetAfter`).
#[derive(Debug, Clone, Copy, Default)]
pub struct GruConfig<'a> {
    /// Input size.
    pub inputs: usize,
    /// State size.
    pub hidden: usize,
    /// Where the reset gate acts.
    pub form: GruForm,
    /// `[3·hidden][inputs]`.
    pub input_weights: &'a [f32],
    /// `[3·hidden][hidden]`.
    pub recurrent_weights: &'a [f32],
    /// `3·hidden` biases added to the input product.
    pub input_bias: &'a [f32],
    /// Optional `3·hidden` biases of the recurrent product (PyTorch's `bias_hh`; Keras and
    /// RNNoise have none). In the `ResetAfter` form the candidate's part is inside the reset.
    pub recurrent_bias: Option<&'a [f32]>,
    /// Gate nonlinearity (z and r); `Identity` here means the default, [`Activation::Sigmoid`].
    pub gate: Activation,
    /// Candidate nonlinearity; `Identity` here means the default, [`Activation::Tanh`].
    pub candidate: Activation,
    /// Storage of the input matrix (its inputs are the previous layer's outputs).
    pub input_format: MatrixFormat,
    /// Storage of the recurrent matrix (the state is in [-1, 1] with a tanh candidate, so
    /// `Int8Bounded` fits).
    pub recurrent_format: MatrixFormat,
}

/// A GRU layer with its state.
///
/// ```
/// use aquant::nn::layers::{Gru, GruConfig};
/// let (inputs, hidden) = (3, 2);
/// let w = vec![0.1; 3 * hidden * inputs];
/// let u = vec![0.2; 3 * hidden * hidden];
/// let b = vec![0.0; 3 * hidden];
/// let mut gru = Gru::new(GruConfig {
///     inputs, hidden, input_weights: &w, recurrent_weights: &u, input_bias: &b,
///     ..Default::default()
/// }).unwrap();
/// let h = gru.step(&[1.0, 0.5, -0.5]);
/// assert_eq!(h.len(), 2);
/// ```
#[derive(Debug, Clone)]
pub struct Gru {
    form: GruForm,
    hidden: usize,
    input: Linear,
    /// ResetBefore: the z and r rows; ResetAfter: all three.
    recurrent: Linear,
    /// ResetBefore only: the candidate rows, applied to r ⊙ h.
    recurrent_candidate: Option<Linear>,
    input_bias: Vec<f32>,
    recurrent_bias: Vec<f32>,
    gate: Activation,
    candidate: Activation,
    state: Vec<f32>,
    from_input: Vec<f32>,
    from_state: Vec<f32>,
    reset_state: Vec<f32>,
}

impl Gru {
    /// Builds the layer; the state starts at zero. Kernels at [`KernelLevel::select`].
    pub fn new(cfg: GruConfig) -> Result<Self> {
        Self::new_at_level(cfg, KernelLevel::select())
    }

    /// As [`Gru::new`] at a given kernel level (clamped to the CPU).
    pub fn new_at_level(cfg: GruConfig, level: KernelLevel) -> Result<Self> {
        let (inputs, hidden) = (cfg.inputs, cfg.hidden);
        if inputs == 0 || hidden == 0 {
            return Err(Error::invalid("gru", "inputs and hidden must be > 0"));
        }
        check_weights("input_weights", cfg.input_weights, 3 * hidden * inputs)?;
        check_weights(
            "recurrent_weights",
            cfg.recurrent_weights,
            3 * hidden * hidden,
        )?;
        check_weights("input_bias", cfg.input_bias, 3 * hidden)?;
        let recurrent_bias = match cfg.recurrent_bias {
            Some(b) => {
                check_weights("recurrent_bias", b, 3 * hidden)?;
                b.to_vec()
            }
            None => vec![0.0; 3 * hidden],
        };
        let input = Linear::with_level(
            3 * hidden,
            inputs,
            cfg.input_weights,
            cfg.input_format,
            1,
            level,
        )?;
        let (recurrent, recurrent_candidate) = match cfg.form {
            GruForm::ResetBefore => {
                let (zr, h) = cfg.recurrent_weights.split_at(2 * hidden * hidden);
                (
                    Linear::with_level(2 * hidden, hidden, zr, cfg.recurrent_format, 1, level)?,
                    Some(Linear::with_level(
                        hidden,
                        hidden,
                        h,
                        cfg.recurrent_format,
                        1,
                        level,
                    )?),
                )
            }
            GruForm::ResetAfter => (
                Linear::with_level(
                    3 * hidden,
                    hidden,
                    cfg.recurrent_weights,
                    cfg.recurrent_format,
                    1,
                    level,
                )?,
                None,
            ),
        };
        let or_default = |a: Activation, d: Activation| match a {
            Activation::Identity => d,
            other => other,
        };
        Ok(Gru {
            form: cfg.form,
            hidden,
            input,
            recurrent,
            recurrent_candidate,
            input_bias: cfg.input_bias.to_vec(),
            recurrent_bias,
            gate: or_default(cfg.gate, Activation::Sigmoid),
            candidate: or_default(cfg.candidate, Activation::Tanh),
            state: vec![0.0; hidden],
            from_input: vec![0.0; 3 * hidden],
            from_state: vec![0.0; 3 * hidden],
            reset_state: vec![0.0; hidden],
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

    /// The current state `h`.
    pub fn state(&self) -> &[f32] {
        &self.state
    }

    /// Sets the state (`hidden` values).
    ///
    /// # Panics
    /// If `state.len() != hidden`.
    pub fn set_state(&mut self, state: &[f32]) {
        self.state.copy_from_slice(state);
    }

    /// Zeroes the state.
    pub fn reset(&mut self) {
        self.state.fill(0.0);
    }

    /// The weight matrices (for SQNR reports): input, recurrent, and the candidate's recurrent
    /// rows in the `ResetBefore` form.
    pub fn matrices(&self) -> Vec<&Linear> {
        let mut v = vec![&self.input, &self.recurrent];
        v.extend(self.recurrent_candidate.as_ref());
        v
    }

    /// Advances one step with `input` (`inputs` values) and returns the new state.
    ///
    /// # Panics
    /// If `input` is shorter than [`Gru::inputs`].
    pub fn step(&mut self, input: &[f32]) -> &[f32] {
        let h = self.hidden;
        self.input.forward(input, 1, &mut self.from_input);
        for (a, (b, c)) in self
            .from_input
            .iter_mut()
            .zip(self.input_bias.iter().zip(&self.recurrent_bias))
        {
            *a += b;
            if self.form == GruForm::ResetBefore {
                *a += c;
            }
        }
        match self.form {
            GruForm::ResetBefore => {
                self.recurrent
                    .forward(&self.state, 1, &mut self.from_state[..2 * h]);
                let gates = &mut self.from_input[..2 * h];
                gates
                    .iter_mut()
                    .zip(&self.from_state[..2 * h])
                    .for_each(|(g, s)| *g += s);
                self.gate.apply(gates);
                let (z, rest) = self.from_input.split_at_mut(h);
                let (r, cand) = rest.split_at_mut(h);
                for ((rs, &ri), &si) in self.reset_state.iter_mut().zip(r.iter()).zip(&self.state) {
                    *rs = ri * si;
                }
                if let Some(u_h) = self.recurrent_candidate.as_mut() {
                    u_h.forward(&self.reset_state, 1, &mut self.from_state[2 * h..]);
                }
                cand.iter_mut()
                    .zip(&self.from_state[2 * h..])
                    .for_each(|(c, s)| *c += s);
                self.candidate.apply(cand);
                for ((s, &zi), &ci) in self.state.iter_mut().zip(z.iter()).zip(cand.iter()) {
                    *s = zi * *s + (1.0 - zi) * ci;
                }
            }
            GruForm::ResetAfter => {
                self.recurrent.forward(&self.state, 1, &mut self.from_state);
                self.from_state
                    .iter_mut()
                    .zip(&self.recurrent_bias)
                    .for_each(|(s, b)| *s += b);
                let gates = &mut self.from_input[..2 * h];
                gates
                    .iter_mut()
                    .zip(&self.from_state[..2 * h])
                    .for_each(|(g, s)| *g += s);
                self.gate.apply(gates);
                let (r, rest) = self.from_input.split_at_mut(h);
                let (z, cand) = rest.split_at_mut(h);
                for ((c, &ri), &si) in cand.iter_mut().zip(r.iter()).zip(&self.from_state[2 * h..])
                {
                    *c += ri * si;
                }
                self.candidate.apply(cand);
                for ((s, &zi), &ni) in self.state.iter_mut().zip(z.iter()).zip(cand.iter()) {
                    *s = (1.0 - zi) * ni + zi * *s;
                }
            }
        }
        &self.state
    }
}
