//! Post-training quantization: symmetric int8 weights with one scale per output row, the
//! quantization SQNR, and (for [`quantize_safetensors`]) 4/8-bit weights per tensor, per row
//! or per group of N.

use crate::nn::kernels::PAIR_SUM_LIMIT;

/// Int8 values with one scale per row: element `(r, c)` ≈ `q[r·cols + c] · scales[r]`.
#[derive(Debug, Clone, PartialEq)]
pub struct RowQuantized {
    /// Row-major values in -127..=127.
    pub q: Vec<i8>,
    /// One scale per row (0 for an all-zero row).
    pub scales: Vec<f32>,
}

impl RowQuantized {
    /// The dequantized matrix, row-major.
    pub fn dequantize(&self, cols: usize) -> Vec<f32> {
        self.q
            .iter()
            .enumerate()
            .map(|(i, &v)| v as f32 * self.scales[i / cols.max(1)])
            .collect()
    }
}

/// Quantizes a row-major `rows × cols` matrix to int8, symmetric, one scale per row
/// (`max |w| / 127`). Non-finite weights become 0.
///
/// With `bound_pairs`, every pair `(q[2j], q[2j+1])` of a row also satisfies
/// `|q[2j]| + |q[2j+1]| ≤ 128`, which keeps the AVX2 `vpmaddubsw` kernel exact with 8-bit
/// activations; the few pairs over the bound lose magnitude on the value whose rounding went
/// furthest up, one step at a time.
///
/// ```
/// use aquant::nn::quantize::quantize_rows;
/// let w = [1.0, -0.5, 0.25, 0.0, 0.0, 0.0];
/// let q = quantize_rows(&w, 2, 3, false);
/// assert_eq!(q.q, [127, -64, 32, 0, 0, 0]);
/// assert_eq!(q.scales[1], 0.0);
/// ```
pub fn quantize_rows(values: &[f32], rows: usize, cols: usize, bound_pairs: bool) -> RowQuantized {
    assert_eq!(values.len(), rows * cols, "matrix size");
    let mut q = vec![0i8; values.len()];
    let mut scales = vec![0.0f32; rows];
    for r in 0..rows {
        let row = &values[r * cols..(r + 1) * cols];
        let max = row
            .iter()
            .filter(|v| v.is_finite())
            .fold(0.0f32, |m, v| m.max(v.abs()));
        if max == 0.0 {
            continue;
        }
        let scale = max / 127.0;
        scales[r] = scale;
        let qrow = &mut q[r * cols..(r + 1) * cols];
        for (dst, &v) in qrow.iter_mut().zip(row) {
            let v = if v.is_finite() { v } else { 0.0 };
            *dst = (v / scale).round().clamp(-127.0, 127.0) as i8;
        }
        if bound_pairs {
            for j in (0..cols.saturating_sub(1)).step_by(2) {
                loop {
                    let (a, b) = (qrow[j] as i32, qrow[j + 1] as i32);
                    if a.abs() + b.abs() <= PAIR_SUM_LIMIT {
                        break;
                    }
                    // Shrink whichever was rounded up furthest (costs least extra error).
                    let excess = |k: usize| (qrow[k] as f32).abs() - (row[k] / scale).abs();
                    let k = if excess(j) >= excess(j + 1) { j } else { j + 1 };
                    qrow[k] -= qrow[k].signum();
                }
            }
        }
    }
    RowQuantized { q, scales }
}

/// Signal-to-quantization-noise ratio in dB: `10·log10(Σ ref² / Σ (ref − approx)²)`
/// (infinite when exact, −∞ dB reported as `f64::NEG_INFINITY` for an all-zero reference with
/// noise).
pub fn sqnr_db(reference: &[f32], approx: &[f32]) -> f64 {
    let (mut signal, mut noise) = (0.0f64, 0.0f64);
    for (&r, &a) in reference.iter().zip(approx) {
        signal += (r as f64).powi(2);
        noise += (r as f64 - a as f64).powi(2);
    }
    if noise == 0.0 {
        f64::INFINITY
    } else {
        10.0 * (signal / noise).log10()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pair_bound_holds_and_costs_little() {
        // Rows of adjacent large weights: the worst case for the pair bound.
        let cols = 64;
        let w: Vec<f32> = (0..4 * cols)
            .map(|i| ((i as f32 * 0.7).sin() * 1.3).clamp(-1.0, 1.0))
            .collect();
        let free = quantize_rows(&w, 4, cols, false);
        let bound = quantize_rows(&w, 4, cols, true);
        for row in bound.q.chunks(cols) {
            for p in row.chunks(2) {
                assert!((p[0] as i32).abs() + (p[1] as i32).abs() <= PAIR_SUM_LIMIT);
            }
        }
        let s_free = sqnr_db(&w, &free.dequantize(cols));
        let s_bound = sqnr_db(&w, &bound.dequantize(cols));
        // 8-bit symmetric: about 6.02·8 dB minus the crest factor; the bound costs a few dB at
        // most even here.
        assert!(s_free > 40.0, "{s_free}");
        assert!(s_bound > s_free - 6.0, "{s_bound} vs {s_free}");
    }

    #[test]
    fn sqnr_first_principles() {
        assert_eq!(sqnr_db(&[1.0, 1.0], &[1.0, 1.0]), f64::INFINITY);
        // Noise power 1/100 of the signal: 20 dB.
        let s = sqnr_db(&[1.0], &[0.9]);
        assert!((s - 20.0).abs() < 1e-5, "{s}");
    }

    #[test]
    fn non_finite_weights_become_zero() {
        let q = quantize_rows(&[f32::NAN, 1.0, f32::INFINITY, -2.0], 2, 2, false);
        assert_eq!(q.q, [0, 127, 0, -127]);
    }
}
