//! A small neural-network inference engine in pure Rust, for streaming audio models.
//!
//! * [`tensor`]: weights from safetensors (float and int8 tensors).
//! * [`quantize`]: post-training quantization (int8 symmetric, one scale per row) with SQNR
//!   reports, and [`quantize::quantize_safetensors`] for any model file.
//! * [`kernels`]: matrix × vector and small matrix × matrix, f32 and int8, at every SIMD level
//!   (scalar reference, AVX2, AVX-VNNI, AVX-512 VNNI) with runtime dispatch.
//! * [`layers`]: streaming layers (Dense, GRU in both forms, LSTM, Conv1d) that keep their state
//!   and never allocate after construction.
//!
//! Activations whose range is unbounded (ReLU outputs, spectra) stay float and meet int8
//! weights in [`kernels::gemm_i8_f32`]; activations bounded to [-1, 1] (tanh, sigmoid) are
//! quantized to 8 bits and meet int8 weights in the exact integer kernel
//! [`kernels::gemm_i8_i8`], as in Opus/LPCNet.

pub mod kernels;
pub mod layers;
pub mod quantize;
pub mod tensor;

pub use kernels::KernelLevel;
pub use layers::{Activation, Conv1d, Dense, Gru, GruForm, Linear, Lstm, MatrixFormat};
pub use tensor::{Tensor, TensorData, TensorFile};
