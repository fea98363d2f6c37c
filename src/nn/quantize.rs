//! Post-training quantization: symmetric int8 weights with one scale per output row, the
//! quantization SQNR, and (for [`quantize_safetensors`]) 4/8-bit weights per tensor, per row
//! or per group of N.

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
/// (`max |w| / 127`, values in -127..=127). Non-finite weights become 0.
///
/// ```
/// use aquant::nn::quantize::quantize_rows;
/// let w = [1.0, -0.5, 0.25, 0.0, 0.0, 0.0];
/// let q = quantize_rows(&w, 2, 3);
/// assert_eq!(q.q, [127, -64, 32, 0, 0, 0]);
/// assert_eq!(q.scales[1], 0.0);
/// ```
pub fn quantize_rows(values: &[f32], rows: usize, cols: usize) -> RowQuantized {
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
    }
    RowQuantized { q, scales }
}

/// Signal-to-quantization-noise ratio in dB: `10·log10(Σ ref² / Σ (ref − approx)²)`
/// (infinite when exact).
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
    fn eight_bit_sqnr_is_near_theory() {
        // Uniform weights in [-1, 1]: step 2/254 gives noise step²/12 against power 1/3, about
        // 6.02·8 − 0.07 ≈ 48 dB.
        let w: Vec<f32> = (0..64 * 64)
            .map(|i| ((i * 7919) % 2001) as f32 / 1000.0 - 1.0)
            .collect();
        let q = quantize_rows(&w, 64, 64);
        let s = sqnr_db(&w, &q.dequantize(64));
        assert!((s - 48.0).abs() < 1.0, "{s}");
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
        let q = quantize_rows(&[f32::NAN, 1.0, f32::INFINITY, -2.0], 2, 2);
        assert_eq!(q.q, [0, 127, 0, -127]);
    }
}
