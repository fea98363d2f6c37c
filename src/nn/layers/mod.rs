//! Streaming layers: each keeps its state and its scratch buffers, sized at construction, so a
//! step never allocates.

pub mod activations;
pub mod conv1d;
pub mod dense;
pub mod gru;
pub mod lstm;

pub use activations::Activation;
pub use conv1d::{Conv1d, Conv1dConfig};
pub use dense::Dense;
pub use gru::{Gru, GruConfig, GruForm};
pub use lstm::{Lstm, LstmConfig};

use crate::nn::kernels::{
    dequantize_sums, gemm_f32, gemm_i8_f32, gemm_i8_i8, quantize_activation, KernelLevel,
    PackedF32, PackedI8, PackedI8x4,
};
use crate::nn::quantize::{quantize_rows, sqnr_db};
use crate::{Error, Result};

/// How a layer stores a weight matrix and computes with it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum MatrixFormat {
    /// Float weights and inputs.
    #[default]
    F32,
    /// Int8 weights (one scale per row), float inputs: for inputs of unbounded range.
    Int8,
    /// Int8 weights and 8-bit inputs (`round(127·x)`), exact integer sums: only for inputs in
    /// [-1, 1] (after tanh or sigmoid); inputs outside are clamped.
    Int8Bounded,
}

#[derive(Debug, Clone)]
enum Matrix {
    F32(PackedF32),
    Int8(PackedI8),
    Int8Bounded(PackedI8x4),
}

/// A weight matrix with its kernel level and scratch: `out = W · x` for up to `max_vectors`
/// input vectors per call, in the chosen [`MatrixFormat`].
#[derive(Debug, Clone)]
pub struct Linear {
    matrix: Matrix,
    level: KernelLevel,
    max_vectors: usize,
    sqnr_db: f64,
    quantized_input: Vec<i8>,
    sums: Vec<i32>,
}

/// Checks a weight slice's length and that every weight is finite.
pub(crate) fn check_weights(name: &'static str, values: &[f32], expected: usize) -> Result<()> {
    if values.len() != expected {
        return Err(Error::invalid(
            name,
            format!("{} values, expected {expected}", values.len()),
        ));
    }
    if values.iter().any(|v| !v.is_finite()) {
        return Err(Error::invalid(name, "contains NaN or infinity"));
    }
    Ok(())
}

impl Linear {
    /// A `rows × cols` matrix from row-major float weights, at [`KernelLevel::select`].
    pub fn new(
        rows: usize,
        cols: usize,
        row_major: &[f32],
        format: MatrixFormat,
        max_vectors: usize,
    ) -> Result<Self> {
        Self::with_level(
            rows,
            cols,
            row_major,
            format,
            max_vectors,
            KernelLevel::select(),
        )
    }

    /// As [`Linear::new`], at a given kernel level (clamped to what the CPU supports).
    pub fn with_level(
        rows: usize,
        cols: usize,
        row_major: &[f32],
        format: MatrixFormat,
        max_vectors: usize,
        level: KernelLevel,
    ) -> Result<Self> {
        check_weights("weights", row_major, rows * cols)?;
        if rows == 0 || cols == 0 || max_vectors == 0 {
            return Err(Error::invalid(
                "shape",
                "rows, cols and vectors must be > 0",
            ));
        }
        let (matrix, sqnr) = match format {
            MatrixFormat::F32 => (
                Matrix::F32(PackedF32::from_rows(rows, cols, row_major)),
                f64::INFINITY,
            ),
            MatrixFormat::Int8 | MatrixFormat::Int8Bounded => {
                let bounded = format == MatrixFormat::Int8Bounded;
                let q = quantize_rows(row_major, rows, cols);
                let sqnr = sqnr_db(row_major, &q.dequantize(cols));
                let m = if bounded {
                    Matrix::Int8Bounded(
                        PackedI8x4::from_rows(rows, cols, &q.q, &q.scales)
                            .ok_or_else(|| Error::invalid("weights", "int8 value -128"))?,
                    )
                } else {
                    Matrix::Int8(PackedI8::from_rows(rows, cols, &q.q, &q.scales))
                };
                (m, sqnr)
            }
        };
        let (qlen, slen) = match &matrix {
            Matrix::Int8Bounded(m) => (m.padded_cols() * max_vectors, rows * max_vectors),
            _ => (0, 0),
        };
        Ok(Linear {
            matrix,
            level: level.clamp_to_cpu(),
            max_vectors,
            sqnr_db: sqnr,
            quantized_input: vec![0; qlen],
            sums: vec![0; slen],
        })
    }

    /// A matrix from int8 values as stored (e.g. an I8 safetensors tensor) with one scale per
    /// row (element = `q · scale`), without re-quantizing: `Int8` and `Int8Bounded` use the
    /// values as they are (−128 is refused), `F32` stores `q · scale` as floats.
    pub fn from_int8(
        rows: usize,
        cols: usize,
        q: &[i8],
        scales: &[f32],
        format: MatrixFormat,
        max_vectors: usize,
        level: KernelLevel,
    ) -> Result<Self> {
        if q.len() != rows * cols || scales.len() != rows {
            return Err(Error::invalid(
                "weights",
                "int8 matrix or scales of the wrong size",
            ));
        }
        check_weights("scales", scales, rows)?;
        if rows == 0 || cols == 0 || max_vectors == 0 {
            return Err(Error::invalid(
                "shape",
                "rows, cols and vectors must be > 0",
            ));
        }
        let matrix = match format {
            MatrixFormat::F32 => {
                let values: Vec<f32> = q
                    .iter()
                    .enumerate()
                    .map(|(i, &v)| v as f32 * scales[i / cols])
                    .collect();
                Matrix::F32(PackedF32::from_rows(rows, cols, &values))
            }
            MatrixFormat::Int8 => Matrix::Int8(PackedI8::from_rows(rows, cols, q, scales)),
            MatrixFormat::Int8Bounded => Matrix::Int8Bounded(
                PackedI8x4::from_rows(rows, cols, q, scales)
                    .ok_or_else(|| Error::invalid("weights", "int8 value -128"))?,
            ),
        };
        let (qlen, slen) = match &matrix {
            Matrix::Int8Bounded(m) => (m.padded_cols() * max_vectors, rows * max_vectors),
            _ => (0, 0),
        };
        Ok(Linear {
            matrix,
            level: level.clamp_to_cpu(),
            max_vectors,
            // The stored values are the model's own: no quantization error added here.
            sqnr_db: f64::INFINITY,
            quantized_input: vec![0; qlen],
            sums: vec![0; slen],
        })
    }

    /// Outputs per vector.
    pub fn rows(&self) -> usize {
        match &self.matrix {
            Matrix::F32(m) => m.rows(),
            Matrix::Int8(m) => m.rows(),
            Matrix::Int8Bounded(m) => m.rows(),
        }
    }

    /// Inputs per vector.
    pub fn cols(&self) -> usize {
        match &self.matrix {
            Matrix::F32(m) => m.cols(),
            Matrix::Int8(m) => m.cols(),
            Matrix::Int8Bounded(m) => m.cols(),
        }
    }

    /// The storage format.
    pub fn format(&self) -> MatrixFormat {
        match &self.matrix {
            Matrix::F32(_) => MatrixFormat::F32,
            Matrix::Int8(_) => MatrixFormat::Int8,
            Matrix::Int8Bounded(_) => MatrixFormat::Int8Bounded,
        }
    }

    /// The kernel level in use.
    pub fn level(&self) -> KernelLevel {
        self.level
    }

    /// SQNR of the stored weights against the float weights given (∞ for `F32`).
    pub fn sqnr_db(&self) -> f64 {
        self.sqnr_db
    }

    /// Bytes of weight storage (packed, including padding).
    pub fn weight_bytes(&self) -> usize {
        match &self.matrix {
            Matrix::F32(m) => m.data().len() * 4,
            Matrix::Int8(m) => m.data().len() + m.rows() * 4,
            Matrix::Int8Bounded(m) => m.data().len() + m.rows() * 8,
        }
    }

    /// `out[j·rows + r] = Σ_c W[r, c] · x[j·cols + c]` for `n ≤ max_vectors` vectors.
    ///
    /// # Panics
    /// If `n` exceeds `max_vectors` or the slices are shorter than `n` vectors.
    pub fn forward(&mut self, x: &[f32], n: usize, out: &mut [f32]) {
        assert!(n <= self.max_vectors, "more vectors than sized for");
        let cols = self.cols();
        match &self.matrix {
            Matrix::F32(m) => gemm_f32(self.level, m, x, n, out),
            Matrix::Int8(m) => gemm_i8_f32(self.level, m, x, n, out),
            Matrix::Int8Bounded(m) => {
                let pc = m.padded_cols();
                for j in 0..n {
                    let dst = &mut self.quantized_input[j * pc..j * pc + cols];
                    for (d, &v) in dst.iter_mut().zip(&x[j * cols..(j + 1) * cols]) {
                        *d = quantize_activation(v);
                    }
                }
                gemm_i8_i8(self.level, m, &self.quantized_input, n, &mut self.sums);
                dequantize_sums(m, &self.sums, n, out);
            }
        }
    }
}

/// Transposes a row-major `rows × cols` matrix (e.g. a Keras `[inputs][units]` kernel into the
/// `[units][inputs]` layout the layers take).
pub fn transpose(values: &[f32], rows: usize, cols: usize) -> Vec<f32> {
    assert_eq!(values.len(), rows * cols, "matrix size");
    let mut out = vec![0.0; values.len()];
    for r in 0..rows {
        for c in 0..cols {
            out[c * rows + r] = values[r * cols + c];
        }
    }
    out
}
