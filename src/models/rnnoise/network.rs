//! The RNNoise v0.1 network: one dense layer, three GRUs (Keras `reset_after=False` form: the
//! reset gate scales the previous state *before* the recurrent product) and two dense output
//! layers, with the C code's table-based tanh/sigmoid approximations.
//!
//! The int8 weights are widened to f32 once at load time (exact) and stored input-major with
//! the columns padded to [`LANES`], so that each output is one vector lane and each sum keeps
//! the C code's order: bias, then the input terms, then the recurrent terms, each a separate
//! f32 multiply and add. The result is bit-identical to the reference build (`gcc -O2`).

use super::kernels::{self, Kernels, LANES};
use crate::{Error, Result};

/// Number of input features.
pub const NB_FEATURES: usize = 42;
/// Number of band gains the network outputs.
pub const NB_BANDS: usize = 22;

const WEIGHTS_SCALE: f32 = 1.0 / 256.0;
const TANSIG_LEN: usize = 201;

const INPUT_DENSE: usize = 24;
const VAD_GRU: usize = 24;
const NOISE_GRU: usize = 48;
const DENOISE_GRU: usize = 96;
const NOISE_INPUT: usize = INPUT_DENSE + VAD_GRU + NB_FEATURES;
const DENOISE_INPUT: usize = VAD_GRU + NOISE_GRU + NB_FEATURES;

/// Largest padded accumulator any layer needs (the denoise GRU's z and r gates).
const MAX_ACC: usize = pad(2 * DENOISE_GRU);

const fn pad(n: usize) -> usize {
    n.div_ceil(LANES) * LANES
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Activation {
    Tanh,
    Sigmoid,
    Relu,
}

/// A dense layer, weights input-major with padded columns.
#[derive(Debug, Clone)]
struct Dense {
    outputs: usize,
    cols: usize,
    bias: Vec<f32>,
    weight: Vec<f32>,
    activation: Activation,
}

/// A GRU layer, split into the z/r gate block and the candidate block.
#[derive(Debug, Clone)]
struct Gru {
    units: usize,
    cols_zr: usize,
    cols_h: usize,
    bias_zr: Vec<f32>,
    bias_h: Vec<f32>,
    input_zr: Vec<f32>,
    input_h: Vec<f32>,
    recurrent_zr: Vec<f32>,
    recurrent_h: Vec<f32>,
    activation: Activation,
}

/// The RNNoise v0.1 weights, widened to f32 and laid out for the kernels.
///
/// ```
/// use aquant::models::rnnoise::RnnoiseModel;
/// let model = RnnoiseModel::builtin();
/// assert_eq!(model.parameter_count(), 87_503);
/// ```
#[derive(Debug, Clone)]
pub struct RnnoiseModel {
    tansig: [f32; TANSIG_LEN],
    input_dense: Dense,
    vad_gru: Gru,
    noise_gru: Gru,
    denoise_gru: Gru,
    denoise_output: Dense,
    vad_output: Dense,
    parameters: usize,
}

/// The weights file shipped in the repository (`models/rnnoise-v0.1/`, BSD-3-Clause).
pub const BUILTIN_WEIGHTS: &[u8] =
    include_bytes!("../../../models/rnnoise-v0.1/weights.safetensors");

fn malformed(what: impl Into<String>) -> Error {
    Error::Corrupt {
        codec: "rnnoise weights",
        what: what.into(),
    }
}

/// Reads one tensor as values widened to f32, checking dtype and shape.
fn tensor(st: &safetensors::SafeTensors, name: &str, shape: &[usize]) -> Result<Vec<f32>> {
    let t = st
        .tensor(name)
        .map_err(|e| malformed(format!("tensor {name}: {e}")))?;
    if t.shape() != shape {
        return Err(malformed(format!(
            "tensor {name} has shape {:?}, expected {shape:?}",
            t.shape()
        )));
    }
    let values = match (name, t.dtype()) {
        ("tansig_table", safetensors::Dtype::F32) => t
            .data()
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .collect::<Vec<f32>>(),
        (_, safetensors::Dtype::I8) if name != "tansig_table" => {
            t.data().iter().map(|&b| b as i8 as f32).collect()
        }
        (_, d) => return Err(malformed(format!("tensor {name} has dtype {d:?}"))),
    };
    if values.len() != shape.iter().product::<usize>() {
        return Err(malformed(format!(
            "tensor {name} has {} values",
            values.len()
        )));
    }
    Ok(values)
}

/// Copies columns `from..from+count` of a row-major `[rows, stride]` matrix into a row-major
/// `[rows, pad(count)]` matrix with zero padding.
fn columns(m: &[f32], rows: usize, stride: usize, from: usize, count: usize) -> Vec<f32> {
    let cols = pad(count);
    let mut out = vec![0.0; rows * cols];
    for r in 0..rows {
        out[r * cols..r * cols + count]
            .copy_from_slice(&m[r * stride + from..r * stride + from + count]);
    }
    out
}

fn padded(v: &[f32]) -> Vec<f32> {
    let mut out = vec![0.0; pad(v.len())];
    out[..v.len()].copy_from_slice(v);
    out
}

impl Dense {
    fn load(
        st: &safetensors::SafeTensors,
        name: &str,
        inputs: usize,
        outputs: usize,
        activation: Activation,
    ) -> Result<(Self, usize)> {
        let weight = tensor(st, &format!("{name}.weight"), &[inputs, outputs])?;
        let bias = tensor(st, &format!("{name}.bias"), &[outputs])?;
        let layer = Dense {
            outputs,
            cols: pad(outputs),
            bias: padded(&bias),
            weight: columns(&weight, inputs, outputs, 0, outputs),
            activation,
        };
        Ok((layer, weight.len() + bias.len()))
    }
}

impl Gru {
    fn load(
        st: &safetensors::SafeTensors,
        name: &str,
        inputs: usize,
        units: usize,
        activation: Activation,
    ) -> Result<(Self, usize)> {
        let n3 = 3 * units;
        let input = tensor(st, &format!("{name}.input_weight"), &[inputs, n3])?;
        let recurrent = tensor(st, &format!("{name}.recurrent_weight"), &[units, n3])?;
        let bias = tensor(st, &format!("{name}.bias"), &[n3])?;
        let layer = Gru {
            units,
            cols_zr: pad(2 * units),
            cols_h: pad(units),
            bias_zr: padded(&bias[..2 * units]),
            bias_h: padded(&bias[2 * units..]),
            input_zr: columns(&input, inputs, n3, 0, 2 * units),
            input_h: columns(&input, inputs, n3, 2 * units, units),
            recurrent_zr: columns(&recurrent, units, n3, 0, 2 * units),
            recurrent_h: columns(&recurrent, units, n3, 2 * units, units),
            activation,
        };
        Ok((layer, input.len() + recurrent.len() + bias.len()))
    }
}

impl RnnoiseModel {
    /// Loads RNNoise v0.1 weights from a safetensors file laid out as in
    /// `models/rnnoise-v0.1/` (int8 `[inputs, outputs]` matrices, GRU columns `[z | r | h]`,
    /// plus the f32 `tansig_table`).
    pub fn from_safetensors(bytes: &[u8]) -> Result<Self> {
        let st = safetensors::SafeTensors::deserialize(bytes)
            .map_err(|e| malformed(format!("not a safetensors file: {e}")))?;
        let table = tensor(&st, "tansig_table", &[TANSIG_LEN])?;
        let mut tansig = [0.0; TANSIG_LEN];
        tansig.copy_from_slice(&table);
        use Activation::*;
        let (input_dense, a) = Dense::load(&st, "input_dense", NB_FEATURES, INPUT_DENSE, Tanh)?;
        let (vad_gru, b) = Gru::load(&st, "vad_gru", INPUT_DENSE, VAD_GRU, Relu)?;
        let (noise_gru, c) = Gru::load(&st, "noise_gru", NOISE_INPUT, NOISE_GRU, Relu)?;
        let (denoise_gru, d) = Gru::load(&st, "denoise_gru", DENOISE_INPUT, DENOISE_GRU, Relu)?;
        let (denoise_output, e) =
            Dense::load(&st, "denoise_output", DENOISE_GRU, NB_BANDS, Sigmoid)?;
        let (vad_output, f) = Dense::load(&st, "vad_output", VAD_GRU, 1, Sigmoid)?;
        Ok(Self {
            tansig,
            input_dense,
            vad_gru,
            noise_gru,
            denoise_gru,
            denoise_output,
            vad_output,
            parameters: a + b + c + d + e + f,
        })
    }

    /// The weights shipped with aquant ([`BUILTIN_WEIGHTS`]), parsed once per process.
    pub fn builtin() -> std::sync::Arc<Self> {
        static MODEL: std::sync::OnceLock<std::sync::Arc<RnnoiseModel>> =
            std::sync::OnceLock::new();
        MODEL
            .get_or_init(|| {
                std::sync::Arc::new(
                    RnnoiseModel::from_safetensors(BUILTIN_WEIGHTS)
                        .expect("the built-in RNNoise weights are valid"),
                )
            })
            .clone()
    }

    /// Number of int8 parameters (weights and biases).
    pub fn parameter_count(&self) -> usize {
        self.parameters
    }

    #[inline]
    fn tanh(&self, x: f32) -> f32 {
        kernels::scalar::tanh(&self.tansig, x)
    }

    #[inline]
    fn sigmoid(&self, x: f32) -> f32 {
        kernels::scalar::sigmoid(&self.tansig, x)
    }

    #[inline]
    fn activate(&self, activation: Activation, x: f32) -> f32 {
        match activation {
            Activation::Tanh => self.tanh(x),
            Activation::Sigmoid => self.sigmoid(x),
            Activation::Relu => {
                if x < 0.0 {
                    0.0
                } else {
                    x
                }
            }
        }
    }

    fn dense(&self, k: &Kernels, layer: &Dense, input: &[f32], acc: &mut [f32], out: &mut [f32]) {
        let acc = &mut acc[..layer.cols];
        acc.copy_from_slice(&layer.bias);
        k.mat_acc(acc, &layer.weight, input);
        let mut act = [0.0f32; MAX_ACC];
        let act = &mut act[..layer.cols];
        match layer.activation {
            Activation::Sigmoid => k.activate::<true>(&self.tansig, WEIGHTS_SCALE, acc, act),
            Activation::Tanh => k.activate::<false>(&self.tansig, WEIGHTS_SCALE, acc, act),
            Activation::Relu => {
                for (o, &a) in act.iter_mut().zip(acc.iter()) {
                    *o = self.activate(Activation::Relu, WEIGHTS_SCALE * a);
                }
            }
        }
        out[..layer.outputs].copy_from_slice(&act[..layer.outputs]);
    }

    fn gru(&self, k: &Kernels, layer: &Gru, input: &[f32], state: &mut [f32], s: &mut Scratch) {
        let n = layer.units;
        let acc = &mut s.acc[..layer.cols_zr];
        acc.copy_from_slice(&layer.bias_zr);
        k.mat_acc(acc, &layer.input_zr, input);
        k.mat_acc(acc, &layer.recurrent_zr, &state[..n]);
        // z in [0, n), r in [n, 2n).
        k.activate::<true>(&self.tansig, WEIGHTS_SCALE, acc, &mut s.zr[..layer.cols_zr]);
        let acc = &mut s.acc[..layer.cols_h];
        acc.copy_from_slice(&layer.bias_h);
        k.mat_acc(acc, &layer.input_h, input);
        k.mat_acc_gated(acc, &layer.recurrent_h, &state[..n], &s.zr[n..2 * n]);
        for i in 0..n {
            let c = self.activate(layer.activation, WEIGHTS_SCALE * acc[i]);
            let z = s.zr[i];
            state[i] = z * state[i] + (1.0 - z) * c;
        }
    }
}

/// Working buffers of one network evaluation (no allocation per frame).
#[derive(Debug, Clone)]
struct Scratch {
    acc: [f32; MAX_ACC],
    /// Update and reset gates of the current GRU, `[z | r]`.
    zr: [f32; MAX_ACC],
    noise_input: [f32; NOISE_INPUT],
    denoise_input: [f32; DENOISE_INPUT],
}

/// The recurrent state of the network (the three GRU states), plus scratch space.
#[derive(Debug, Clone)]
pub struct NetworkState {
    /// Output of the input dense layer in the last evaluated frame.
    pub dense_out: [f32; INPUT_DENSE],
    /// State of the VAD GRU.
    pub vad_gru: [f32; VAD_GRU],
    /// State of the noise GRU.
    pub noise_gru: [f32; NOISE_GRU],
    /// State of the denoise GRU.
    pub denoise_gru: [f32; DENOISE_GRU],
    scratch: Scratch,
}

impl Default for NetworkState {
    fn default() -> Self {
        Self {
            dense_out: [0.0; INPUT_DENSE],
            vad_gru: [0.0; VAD_GRU],
            noise_gru: [0.0; NOISE_GRU],
            denoise_gru: [0.0; DENOISE_GRU],
            scratch: Scratch {
                acc: [0.0; MAX_ACC],
                zr: [0.0; MAX_ACC],
                noise_input: [0.0; NOISE_INPUT],
                denoise_input: [0.0; DENOISE_INPUT],
            },
        }
    }
}

impl NetworkState {
    /// Zeroes the recurrent state (as `rnnoise_init` does).
    pub fn reset(&mut self) {
        *self = Self::default();
    }
}

/// Evaluates the network on one frame's features: writes the 22 band gains, returns the VAD
/// probability, and advances the GRU states (the C code's `compute_rnn`).
pub(crate) fn run(
    model: &RnnoiseModel,
    k: &Kernels,
    state: &mut NetworkState,
    features: &[f32; NB_FEATURES],
    gains: &mut [f32; NB_BANDS],
) -> f32 {
    let s = &mut state.scratch;
    model.dense(
        k,
        &model.input_dense,
        features,
        &mut s.acc,
        &mut state.dense_out,
    );
    model.gru(k, &model.vad_gru, &state.dense_out, &mut state.vad_gru, s);
    let mut vad = [0.0f32; 1];
    model.dense(k, &model.vad_output, &state.vad_gru, &mut s.acc, &mut vad);

    s.noise_input[..INPUT_DENSE].copy_from_slice(&state.dense_out);
    s.noise_input[INPUT_DENSE..INPUT_DENSE + VAD_GRU].copy_from_slice(&state.vad_gru);
    s.noise_input[INPUT_DENSE + VAD_GRU..].copy_from_slice(features);
    let noise_input = s.noise_input;
    model.gru(k, &model.noise_gru, &noise_input, &mut state.noise_gru, s);

    s.denoise_input[..VAD_GRU].copy_from_slice(&state.vad_gru);
    s.denoise_input[VAD_GRU..VAD_GRU + NOISE_GRU].copy_from_slice(&state.noise_gru);
    s.denoise_input[VAD_GRU + NOISE_GRU..].copy_from_slice(features);
    let denoise_input = s.denoise_input;
    model.gru(
        k,
        &model.denoise_gru,
        &denoise_input,
        &mut state.denoise_gru,
        s,
    );
    model.dense(
        k,
        &model.denoise_output,
        &state.denoise_gru,
        &mut s.acc,
        gains,
    );
    vad[0]
}

/// Evaluates the network alone, for callers that bring their own features (tests against the
/// reference, feature research). Holds its own GRU state across calls.
///
/// ```
/// use aquant::models::rnnoise::{Network, RnnoiseModel};
/// let mut net = Network::new(RnnoiseModel::builtin());
/// let mut gains = [0.0; 22];
/// let vad = net.run(&[0.0; 42], &mut gains);
/// assert!((0.0..=1.0).contains(&vad));
/// ```
#[derive(Debug, Clone)]
pub struct Network {
    model: std::sync::Arc<RnnoiseModel>,
    kernels: Kernels,
    state: NetworkState,
}

impl Network {
    /// A network with zeroed state, at the same default SIMD level as
    /// [`Denoiser::new`](super::Denoiser::new).
    pub fn new(model: std::sync::Arc<RnnoiseModel>) -> Self {
        Self::with_simd(model, kernels::default_level())
    }

    /// A network using kernels at `level` (clamped to what the CPU supports). Every level
    /// gives bit-identical results.
    pub fn with_simd(model: std::sync::Arc<RnnoiseModel>, level: crate::SimdLevel) -> Self {
        Self {
            model,
            kernels: Kernels::new(level),
            state: NetworkState::default(),
        }
    }

    /// Runs one frame: writes the band gains, returns the VAD probability.
    pub fn run(&mut self, features: &[f32; NB_FEATURES], gains: &mut [f32; NB_BANDS]) -> f32 {
        run(&self.model, &self.kernels, &mut self.state, features, gains)
    }

    /// The recurrent state after the last frame.
    pub fn state(&self) -> &NetworkState {
        &self.state
    }

    /// Zeroes the recurrent state.
    pub fn reset(&mut self) {
        self.state.reset();
    }
}
