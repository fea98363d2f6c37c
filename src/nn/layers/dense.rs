//! Fully connected layer: `y = act(W·x + b)`.

use super::{check_weights, Activation, Linear, MatrixFormat};
use crate::nn::KernelLevel;
use crate::Result;

/// A fully connected layer with its activation.
///
/// ```
/// use aquant::nn::layers::{Activation, Dense, MatrixFormat};
/// // 2 inputs → 2 outputs, weights row-major [outputs][inputs].
/// let mut d = Dense::new(2, 2, &[1.0, 2.0, -1.0, 0.5], &[0.0, 1.0], Activation::Relu,
///                        MatrixFormat::F32).unwrap();
/// let mut y = [0.0; 2];
/// d.forward(&[1.0, 1.0], &mut y);
/// assert_eq!(y, [3.0, 0.5]);
/// ```
#[derive(Debug, Clone)]
pub struct Dense {
    linear: Linear,
    bias: Vec<f32>,
    activation: Activation,
}

impl Dense {
    /// `weights` is row-major `[outputs][inputs]` (PyTorch's layout; for a Keras kernel
    /// `[inputs][outputs]` use [`super::transpose`] first), `bias` has `outputs` values.
    pub fn new(
        inputs: usize,
        outputs: usize,
        weights: &[f32],
        bias: &[f32],
        activation: Activation,
        format: MatrixFormat,
    ) -> Result<Self> {
        Self::new_at_level(
            inputs,
            outputs,
            weights,
            bias,
            activation,
            format,
            KernelLevel::select(),
        )
    }

    /// As [`Dense::new`] at a given kernel level (clamped to the CPU).
    pub fn new_at_level(
        inputs: usize,
        outputs: usize,
        weights: &[f32],
        bias: &[f32],
        activation: Activation,
        format: MatrixFormat,
        level: KernelLevel,
    ) -> Result<Self> {
        check_weights("bias", bias, outputs)?;
        Ok(Dense {
            linear: Linear::with_level(outputs, inputs, weights, format, 1, level)?,
            bias: bias.to_vec(),
            activation,
        })
    }

    /// Inputs per call.
    pub fn inputs(&self) -> usize {
        self.linear.cols()
    }

    /// Outputs per call.
    pub fn outputs(&self) -> usize {
        self.linear.rows()
    }

    /// The weight matrix (format, level, SQNR).
    pub fn linear(&self) -> &Linear {
        &self.linear
    }

    /// `output = act(W·input + b)`.
    ///
    /// # Panics
    /// If `input` is shorter than [`Dense::inputs`] or `output` than [`Dense::outputs`].
    pub fn forward(&mut self, input: &[f32], output: &mut [f32]) {
        let n = self.outputs();
        let output = &mut output[..n];
        self.linear.forward(input, 1, output);
        output.iter_mut().zip(&self.bias).for_each(|(y, b)| *y += b);
        self.activation.apply(output);
    }
}
