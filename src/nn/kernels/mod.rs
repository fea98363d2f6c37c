//! Matrix kernels of the nn engine, behind one narrow interface: `out = W · X` where `W` is a
//! packed weight matrix and `X` holds `n` input vectors (one matrix × vector when `n == 1`, a
//! small matrix × matrix otherwise, e.g. the frames of a convolution).
//!
//! Three weight formats:
//! * [`PackedF32`]: float weights, float inputs ([`gemm_f32`]).
//! * [`PackedI8`]: int8 weights with one scale per row, float inputs ([`gemm_i8_f32`]): for
//!   inputs whose range is unbounded (ReLU outputs, spectra), which stay float.
//! * [`PackedI8x4`]: int8 weights, int8 inputs, exact int32 sums ([`gemm_i8_i8`]): for inputs
//!   bounded to [-1, 1] (after tanh or sigmoid), quantized as `round(127·x)`.
//!
//! # Levels
//!
//! [`KernelLevel`] refines [`SimdLevel`] with the two dot-product extensions:
//!
//! | `AQUANT_SIMD` | CPU has | level | int8 kernel | float kernels |
//! |---|---|---|---|---|
//! | `scalar` | any | `Scalar` | scalar reference | scalar |
//! | `avx2` | AVX-VNNI | `AvxVnni` | 256-bit `vpdpbusd` (VEX) | AVX2 + FMA |
//! | `avx2` | no AVX-VNNI | `Avx2` | `vpmaddubsw` + `vpmaddwd` | AVX2 + FMA |
//! | `avx512` (or unset) | AVX-512 VNNI | `Avx512Vnni` | 512-bit `vpdpbusd` | AVX-512 |
//! | `avx512` (or unset) | no AVX-512 VNNI | `Avx512` | AVX2 `vpmaddubsw` | AVX-512 |
//!
//! `avx2` maps to AVX-VNNI when present because AVX-VNNI is the same 256-bit register level
//! (Alder Lake and later client cores have it without AVX-512). Every level can also be chosen
//! explicitly (tests and benches do) with [`KernelLevel::available`].
//!
//! The integer kernels return identical int32 sums at every level. Weights and activations are
//! both in -127..=127 (never -128).
//! * `vpdpbusd` multiplies unsigned by signed bytes: the activations are offset to `x + 128`
//!   (one XOR of the broadcast bytes) and `128·Σ_c w[r, c]` is subtracted at the end.
//! * `vpmaddubsw` saturates its pair sums `x[2j]·w[2j] + x[2j+1]·w[2j+1]` at ±32767: it gets
//!   `|x|` (≤ 127) and `w` with the sign of `x` applied (`vpsignb`), so a pair sum is at most
//!   `2·127·127 = 32258` whatever the weights: the activations' bound to 7 bits of magnitude
//!   is what keeps it exact, and no weight needs clipping.
//!
//! Float kernels differ from the scalar reference only in summation order (tested within a
//! relative tolerance).

pub(crate) mod scalar;

#[cfg(target_arch = "x86_64")]
pub(crate) mod avx2;
#[cfg(target_arch = "x86_64")]
pub(crate) mod avx512_vnni;
#[cfg(target_arch = "x86_64")]
pub(crate) mod avx_vnni;

use crate::simd::SimdLevel;
use std::sync::OnceLock;

/// Rows per packed block: one AVX-512 register of f32 or int32 lanes.
pub const ROW_BLOCK: usize = 16;

/// Scale of the 8-bit activations: `x_q = round(127·x)`, 127 steps per unit.
pub const ACTIVATION_SCALE: f32 = 127.0;

/// The instruction-set level of the nn kernels (finer than [`SimdLevel`]: it tells the VNNI
/// extensions apart). Ordered from least to most capable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum KernelLevel {
    /// Portable Rust, the reference.
    Scalar,
    /// AVX2 + FMA; int8 through `vpmaddubsw`.
    Avx2,
    /// AVX2 + FMA with AVX-VNNI (256-bit `vpdpbusd`).
    AvxVnni,
    /// AVX-512 F/BW/DQ/VL without VNNI; int8 through the AVX2 `vpmaddubsw` kernel.
    Avx512,
    /// AVX-512 with VNNI (512-bit `vpdpbusd`).
    Avx512Vnni,
}

impl KernelLevel {
    /// The level's name, as printed in reports and benches.
    pub fn name(self) -> &'static str {
        match self {
            KernelLevel::Scalar => "scalar",
            KernelLevel::Avx2 => "avx2",
            KernelLevel::AvxVnni => "avx-vnni",
            KernelLevel::Avx512 => "avx512",
            KernelLevel::Avx512Vnni => "avx512-vnni",
        }
    }

    /// Whether this CPU can run the level.
    pub fn supported(self) -> bool {
        let simd = SimdLevel::detected();
        match self {
            KernelLevel::Scalar => true,
            KernelLevel::Avx2 => simd >= SimdLevel::Avx2,
            KernelLevel::AvxVnni => simd >= SimdLevel::Avx2 && has_avx_vnni(),
            KernelLevel::Avx512 => simd >= SimdLevel::Avx512,
            KernelLevel::Avx512Vnni => simd >= SimdLevel::Avx512 && has_avx512_vnni(),
        }
    }

    /// Every level this CPU supports, scalar first.
    pub fn available() -> Vec<KernelLevel> {
        [
            KernelLevel::Scalar,
            KernelLevel::Avx2,
            KernelLevel::AvxVnni,
            KernelLevel::Avx512,
            KernelLevel::Avx512Vnni,
        ]
        .into_iter()
        .filter(|l| l.supported())
        .collect()
    }

    /// The level for a [`SimdLevel`] on this CPU (see the table in the module docs).
    pub fn from_simd(simd: SimdLevel) -> Self {
        let candidates: &[KernelLevel] = match simd.clamp_to_cpu() {
            SimdLevel::Scalar => &[KernelLevel::Scalar],
            SimdLevel::Avx2 => &[KernelLevel::AvxVnni, KernelLevel::Avx2],
            SimdLevel::Avx512 => &[KernelLevel::Avx512Vnni, KernelLevel::Avx512],
        };
        candidates
            .iter()
            .copied()
            .find(|l| l.supported())
            .unwrap_or(KernelLevel::Scalar)
    }

    /// The level to use: [`SimdLevel::select`] (which honours `AQUANT_SIMD`) refined by the
    /// VNNI checks. Decided once per process (the first call reads `AQUANT_SIMD`).
    pub fn select() -> Self {
        static SELECTED: OnceLock<KernelLevel> = OnceLock::new();
        *SELECTED.get_or_init(|| KernelLevel::from_simd(SimdLevel::select()))
    }

    /// `self` if supported, else the best supported level below it.
    pub fn clamp_to_cpu(self) -> Self {
        KernelLevel::available()
            .into_iter()
            .rfind(|&l| l <= self)
            .unwrap_or(KernelLevel::Scalar)
    }
}

#[cfg(target_arch = "x86_64")]
fn has_avx512_vnni() -> bool {
    is_x86_feature_detected!("avx512vnni")
}
#[cfg(target_arch = "x86_64")]
fn has_avx_vnni() -> bool {
    is_x86_feature_detected!("avxvnni")
}
#[cfg(not(target_arch = "x86_64"))]
fn has_avx512_vnni() -> bool {
    false
}
#[cfg(not(target_arch = "x86_64"))]
fn has_avx_vnni() -> bool {
    false
}

fn row_blocks(rows: usize) -> usize {
    rows.div_ceil(ROW_BLOCK)
}

/// A float matrix packed for the column-broadcast kernels: blocks of 16 rows, and inside a
/// block column `c` holds the 16 rows' weights contiguously, so one vector load feeds 16 rows.
#[derive(Debug, Clone)]
pub struct PackedF32 {
    rows: usize,
    cols: usize,
    data: Vec<f32>,
}

impl PackedF32 {
    /// Packs a row-major `rows × cols` matrix.
    ///
    /// # Panics
    /// If `row_major.len() != rows * cols` (a construction-time programming error).
    pub fn from_rows(rows: usize, cols: usize, row_major: &[f32]) -> Self {
        assert_eq!(row_major.len(), rows * cols, "matrix size");
        let mut data = vec![0.0; row_blocks(rows) * ROW_BLOCK * cols];
        for r in 0..rows {
            for c in 0..cols {
                data[packed_index(r, c, cols)] = row_major[r * cols + c];
            }
        }
        PackedF32 { rows, cols, data }
    }

    /// Rows (outputs).
    pub fn rows(&self) -> usize {
        self.rows
    }
    /// Columns (inputs).
    pub fn cols(&self) -> usize {
        self.cols
    }
    /// Element `(r, c)`.
    pub fn get(&self, r: usize, c: usize) -> f32 {
        self.data[packed_index(r, c, self.cols)]
    }
    /// The matrix back in row-major order.
    pub fn to_rows(&self) -> Vec<f32> {
        let mut out = Vec::with_capacity(self.rows * self.cols);
        for r in 0..self.rows {
            for c in 0..self.cols {
                out.push(self.get(r, c));
            }
        }
        out
    }
    pub(crate) fn data(&self) -> &[f32] {
        &self.data
    }
}

fn packed_index(r: usize, c: usize, cols: usize) -> usize {
    (r / ROW_BLOCK * cols + c) * ROW_BLOCK + r % ROW_BLOCK
}

/// Int8 weights with one scale per row, packed like [`PackedF32`]; for float inputs.
/// Element `(r, c)` is `q[r, c] · scale[r]`.
#[derive(Debug, Clone)]
pub struct PackedI8 {
    rows: usize,
    cols: usize,
    data: Vec<i8>,
    /// One per row, padded with zeros to whole blocks.
    scales: Vec<f32>,
}

impl PackedI8 {
    /// Packs row-major int8 values with their per-row scales.
    ///
    /// # Panics
    /// If the lengths do not match `rows` and `cols`.
    pub fn from_rows(rows: usize, cols: usize, q: &[i8], scales: &[f32]) -> Self {
        assert_eq!(q.len(), rows * cols, "matrix size");
        assert_eq!(scales.len(), rows, "one scale per row");
        let mut data = vec![0i8; row_blocks(rows) * ROW_BLOCK * cols];
        for r in 0..rows {
            for c in 0..cols {
                data[packed_index(r, c, cols)] = q[r * cols + c];
            }
        }
        let mut padded = scales.to_vec();
        padded.resize(row_blocks(rows) * ROW_BLOCK, 0.0);
        PackedI8 {
            rows,
            cols,
            data,
            scales: padded,
        }
    }
    /// Rows (outputs).
    pub fn rows(&self) -> usize {
        self.rows
    }
    /// Columns (inputs).
    pub fn cols(&self) -> usize {
        self.cols
    }
    /// The int8 value at `(r, c)`.
    pub fn get(&self, r: usize, c: usize) -> i8 {
        self.data[packed_index(r, c, self.cols)]
    }
    /// The scale of row `r`.
    pub fn scale(&self, r: usize) -> f32 {
        self.scales[r]
    }
    pub(crate) fn data(&self) -> &[i8] {
        &self.data
    }
    pub(crate) fn scales(&self) -> &[f32] {
        &self.scales
    }
}

/// Int8 weights packed for the 8-bit dot-product kernels: blocks of 16 rows × 4
/// columns (64 bytes, row `r` holds columns `4b..4b+4` in bytes `4r..4r+4`), the layout of
/// `vpdpbusd` with the 4 inputs broadcast. Columns are padded to a multiple of 4 with zero
/// weights, rows to a multiple of 16. Element `(r, c)` is `q[r, c] · scale[r]`.
#[derive(Debug, Clone)]
pub struct PackedI8x4 {
    rows: usize,
    cols: usize,
    data: Vec<i8>,
    scales: Vec<f32>,
    /// `Σ_c q[r, c]` per row, padded to whole blocks: removes the `vpdpbusd` offset.
    row_sums: Vec<i32>,
}

impl PackedI8x4 {
    /// Packs row-major int8 values (in -127..=127) with their per-row scales.
    ///
    /// Returns `None` if a value is -128 (the quantizer in [`crate::nn::quantize`] never
    /// produces it).
    pub fn from_rows(rows: usize, cols: usize, q: &[i8], scales: &[f32]) -> Option<Self> {
        assert_eq!(q.len(), rows * cols, "matrix size");
        assert_eq!(scales.len(), rows, "one scale per row");
        let cols4 = cols.div_ceil(4) * 4;
        let mut data = vec![0i8; row_blocks(rows) * ROW_BLOCK * cols4];
        let mut row_sums = vec![0i32; row_blocks(rows) * ROW_BLOCK];
        for r in 0..rows {
            let row = &q[r * cols..(r + 1) * cols];
            for (c, &v) in row.iter().enumerate() {
                if v == i8::MIN {
                    return None;
                }
                data[packed_x4_index(r, c, cols4)] = v;
                row_sums[r] += v as i32;
            }
        }
        let mut padded = scales.to_vec();
        padded.resize(row_blocks(rows) * ROW_BLOCK, 0.0);
        Some(PackedI8x4 {
            rows,
            cols,
            data,
            scales: padded,
            row_sums,
        })
    }
    /// Rows (outputs).
    pub fn rows(&self) -> usize {
        self.rows
    }
    /// Columns (inputs).
    pub fn cols(&self) -> usize {
        self.cols
    }
    /// Columns rounded up to a multiple of 4: the length of each quantized input vector.
    pub fn padded_cols(&self) -> usize {
        self.cols.div_ceil(4) * 4
    }
    /// The int8 value at `(r, c)`.
    pub fn get(&self, r: usize, c: usize) -> i8 {
        self.data[packed_x4_index(r, c, self.padded_cols())]
    }
    /// The scale of row `r`.
    pub fn scale(&self, r: usize) -> f32 {
        self.scales[r]
    }
    /// `Σ_c q[r, c]`.
    pub fn row_sum(&self, r: usize) -> i32 {
        self.row_sums[r]
    }
    pub(crate) fn data(&self) -> &[i8] {
        &self.data
    }
    pub(crate) fn row_sums(&self) -> &[i32] {
        &self.row_sums
    }
}

fn packed_x4_index(r: usize, c: usize, cols4: usize) -> usize {
    ((r / ROW_BLOCK) * (cols4 / 4) + c / 4) * (ROW_BLOCK * 4) + (r % ROW_BLOCK) * 4 + c % 4
}

/// `out[j·rows + r] = Σ_c W[r, c] · x[j·cols + c]` for the `n` input vectors in `x`.
///
/// # Panics
/// If `x` or `out` is shorter than `n` vectors (layers size their buffers at construction).
pub fn gemm_f32(level: KernelLevel, w: &PackedF32, x: &[f32], n: usize, out: &mut [f32]) {
    assert!(
        x.len() >= n * w.cols && out.len() >= n * w.rows,
        "gemm_f32 shapes"
    );
    match level {
        #[cfg(target_arch = "x86_64")]
        KernelLevel::Avx512 | KernelLevel::Avx512Vnni => avx512_vnni::gemm_f32(w, x, n, out),
        #[cfg(target_arch = "x86_64")]
        KernelLevel::Avx2 | KernelLevel::AvxVnni => avx2::gemm_f32(w, x, n, out),
        _ => scalar::gemm_f32(w, x, n, out),
    }
}

/// `out[j·rows + r] = scale[r] · Σ_c q[r, c] · x[j·cols + c]`: int8 weights, float inputs.
///
/// # Panics
/// If `x` or `out` is shorter than `n` vectors.
pub fn gemm_i8_f32(level: KernelLevel, w: &PackedI8, x: &[f32], n: usize, out: &mut [f32]) {
    assert!(
        x.len() >= n * w.cols && out.len() >= n * w.rows,
        "gemm_i8_f32 shapes"
    );
    match level {
        #[cfg(target_arch = "x86_64")]
        KernelLevel::Avx512 | KernelLevel::Avx512Vnni => avx512_vnni::gemm_i8_f32(w, x, n, out),
        #[cfg(target_arch = "x86_64")]
        KernelLevel::Avx2 | KernelLevel::AvxVnni => avx2::gemm_i8_f32(w, x, n, out),
        _ => scalar::gemm_i8_f32(w, x, n, out),
    }
}

/// `out[j·rows + r] = Σ_c q[r, c] · x[j·pc + c]` exactly in int32, with `pc` =
/// [`PackedI8x4::padded_cols`] (the padding of `x` may hold anything: its weights are 0).
/// Activations must be in -127..=127 (as [`quantize_activation`] makes them). Identical at
/// every level.
///
/// # Panics
/// If `x` or `out` is shorter than `n` vectors.
pub fn gemm_i8_i8(level: KernelLevel, w: &PackedI8x4, x: &[i8], n: usize, out: &mut [i32]) {
    assert!(
        x.len() >= n * w.padded_cols() && out.len() >= n * w.rows,
        "gemm_i8_i8 shapes"
    );
    match level {
        #[cfg(target_arch = "x86_64")]
        KernelLevel::Avx512Vnni => avx512_vnni::gemm_i8_i8(w, x, n, out),
        #[cfg(target_arch = "x86_64")]
        KernelLevel::AvxVnni => avx_vnni::gemm_i8_i8(w, x, n, out),
        #[cfg(target_arch = "x86_64")]
        KernelLevel::Avx2 | KernelLevel::Avx512 => avx2::gemm_i8_i8(w, x, n, out),
        _ => scalar::gemm_i8_i8(w, x, n, out),
    }
}

/// Quantizes a bounded activation in [-1, 1] to `round(127·x)` (ties to even), clamped to
/// -127..=127 (NaN → 0).
#[inline]
pub fn quantize_activation(x: f32) -> i8 {
    // Clamp first, then round with the 1.5·2^23 trick (no libm call); `as` maps NaN to 0.
    const MAGIC: f32 = 12_582_912.0;
    let v = (x * ACTIVATION_SCALE).clamp(-127.0, 127.0);
    ((v + MAGIC) - MAGIC) as i8
}

/// Turns int32 sums from [`gemm_i8_i8`] into floats: `scale[r] / 127 · acc`.
pub fn dequantize_sums(w: &PackedI8x4, acc: &[i32], n: usize, out: &mut [f32]) {
    let rows = w.rows;
    for j in 0..n {
        for r in 0..rows {
            out[j * rows + r] = acc[j * rows + r] as f32 * (w.scales[r] / ACTIVATION_SCALE);
        }
    }
}

/// Which elementwise function [`map_in_place`] applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Elementwise {
    /// [`crate::nn::layers::activations::sigmoid`].
    Sigmoid,
    /// [`crate::nn::layers::activations::tanh`].
    Tanh,
}

/// Applies a fast activation to every value. The SIMD levels run the same scalar code,
/// vectorised by the compiler under their target features (no FMA contraction), so the results
/// are bit-identical at every level.
pub fn map_in_place(level: KernelLevel, f: Elementwise, x: &mut [f32]) {
    match level {
        #[cfg(target_arch = "x86_64")]
        KernelLevel::Avx512 | KernelLevel::Avx512Vnni => avx512_vnni::map_in_place(f, x),
        #[cfg(target_arch = "x86_64")]
        KernelLevel::Avx2 | KernelLevel::AvxVnni => avx2::map_in_place(f, x),
        _ => scalar::map_in_place(f, x),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn simd_levels_map_onto_kernel_levels() {
        assert_eq!(
            KernelLevel::from_simd(SimdLevel::Scalar),
            KernelLevel::Scalar
        );
        let avx2 = KernelLevel::from_simd(SimdLevel::Avx2);
        let avx512 = KernelLevel::from_simd(SimdLevel::Avx512);
        assert!(avx2.supported() && avx512.supported());
        assert!(avx2 <= KernelLevel::AvxVnni && avx512 <= KernelLevel::Avx512Vnni);
        if KernelLevel::AvxVnni.supported() {
            assert_eq!(avx2, KernelLevel::AvxVnni);
        }
        if KernelLevel::Avx512Vnni.supported() {
            assert_eq!(avx512, KernelLevel::Avx512Vnni);
        }
        assert_eq!(KernelLevel::Scalar.clamp_to_cpu(), KernelLevel::Scalar);
    }

    #[test]
    fn activation_quantization() {
        assert_eq!(quantize_activation(1.0), 127);
        assert_eq!(quantize_activation(-1.0), -127);
        assert_eq!(quantize_activation(5.0), 127);
        assert_eq!(quantize_activation(f32::NEG_INFINITY), -127);
        assert_eq!(quantize_activation(f32::NAN), 0);
        assert_eq!(quantize_activation(0.5), 64); // 63.5 → 64 (ties to even)
        assert_eq!(quantize_activation(1.5 / 127.0), 2);
        assert_eq!(quantize_activation(-0.2 / 127.0), 0);
    }
}
