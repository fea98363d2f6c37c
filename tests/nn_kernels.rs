//! Every kernel level against the scalar reference: int8 sums exactly equal, float sums within
//! rounding of an f64 computation. Runs every level this CPU supports.

use aquant::nn::kernels::{
    gemm_f32, gemm_i8_f32, gemm_i8_i8, KernelLevel, PackedF32, PackedI8, PackedI8x4,
};
use aquant::nn::quantize::quantize_rows;

/// Small deterministic generator (xorshift), so failures reproduce.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn uniform(&mut self) -> f32 {
        (self.next() >> 40) as f32 / (1u64 << 24) as f32 * 2.0 - 1.0
    }
}

const SHAPES: &[(usize, usize)] = &[
    (1, 1),
    (16, 4),
    (15, 3),
    (17, 5),
    (33, 70),
    (64, 129),
    (128, 387),
    (512, 128),
    (3, 2),
    (40, 9),
    (20, 1100),
    (3, 513),
];

#[test]
fn levels_listed() {
    let levels = KernelLevel::available();
    eprintln!(
        "kernel levels on this CPU: {levels:?}; selected {:?}",
        KernelLevel::select()
    );
    assert_eq!(levels[0], KernelLevel::Scalar);
}

#[test]
fn int8_integer_kernels_equal_scalar_at_every_level() {
    let mut rng = Rng(0x1234_5678_9abc_def1);
    for &(rows, cols) in SHAPES {
        let w: Vec<f32> = (0..rows * cols).map(|_| rng.uniform()).collect();
        let q = quantize_rows(&w, rows, cols);
        let packed = PackedI8x4::from_rows(rows, cols, &q.q, &q.scales).unwrap();
        let pc = packed.padded_cols();
        for n in [1usize, 2, 3, 4, 5, 7] {
            let x: Vec<i8> = (0..n * pc)
                .map(|_| ((rng.next() % 255) as i32 - 127) as i8)
                .collect();
            // First principles: plain integer dot products of the unpacked values.
            let mut expected = vec![0i32; n * rows];
            for j in 0..n {
                for r in 0..rows {
                    expected[j * rows + r] = (0..cols)
                        .map(|c| q.q[r * cols + c] as i32 * x[j * pc + c] as i32)
                        .sum();
                }
            }
            for level in KernelLevel::available() {
                let mut out = vec![i32::MIN; n * rows + 3];
                gemm_i8_i8(level, &packed, &x, n, &mut out);
                assert_eq!(
                    &out[..n * rows],
                    &expected[..],
                    "{level:?} {rows}x{cols} n={n}"
                );
                assert!(
                    out[n * rows..].iter().all(|&v| v == i32::MIN),
                    "wrote past the end"
                );
            }
        }
    }
}

#[test]
fn int8_extreme_values_do_not_saturate() {
    // Full-scale weights and activations of every sign combination: the pair sums reach
    // ±2·127·127 = ±32258, which `vpmaddubsw` must not clip, and VNNI's +128 offset must cancel.
    let (rows, cols) = (32, 64);
    let pattern: [i8; 6] = [127, 127, -127, -127, 127, -127];
    let q: Vec<i8> = (0..rows * cols)
        .map(|i| pattern[(i + i / cols) % 6])
        .collect();
    let packed = PackedI8x4::from_rows(rows, cols, &q, &vec![1.0; rows]).unwrap();
    for x_pattern in [[127i8, 127], [-127, -127], [127, -127], [-127, 0]] {
        let x: Vec<i8> = (0..cols).map(|c| x_pattern[c % 2]).collect();
        for level in KernelLevel::available() {
            let mut out = vec![0i32; rows];
            gemm_i8_i8(level, &packed, &x, 1, &mut out);
            for r in 0..rows {
                let expected: i32 = (0..cols)
                    .map(|c| q[r * cols + c] as i32 * x[c] as i32)
                    .sum();
                assert_eq!(out[r], expected, "{level:?} row {r} x {x_pattern:?}");
            }
        }
    }
    // -128 is refused (its negation overflows).
    assert!(PackedI8x4::from_rows(1, 2, &[-128, 0], &[1.0]).is_none());
}

fn check_close(level: KernelLevel, got: &[f32], expected: &[f64], magnitude: &[f64]) {
    for (i, ((&g, &e), &m)) in got.iter().zip(expected).zip(magnitude).enumerate() {
        // f32 accumulation: error grows like eps · Σ|w·x|.
        let tol = 1e-6 * m + 1e-30;
        assert!(
            (g as f64 - e).abs() <= tol,
            "{level:?} index {i}: {g} vs {e} (tol {tol})"
        );
    }
}

#[test]
fn float_kernels_match_f64_at_every_level() {
    let mut rng = Rng(0xdead_beef_cafe_f00d);
    for &(rows, cols) in SHAPES {
        let w: Vec<f32> = (0..rows * cols).map(|_| rng.uniform()).collect();
        let packed = PackedF32::from_rows(rows, cols, &w);
        assert_eq!(packed.to_rows(), w);
        let q = quantize_rows(&w, rows, cols);
        let packed_i8 = PackedI8::from_rows(rows, cols, &q.q, &q.scales);
        for n in [1usize, 2, 3, 4, 5, 9] {
            // Mostly zeros, as after a ReLU (the AVX-512 float kernels skip zero columns), and
            // the first vector all zeros.
            let x: Vec<f32> = (0..n * cols)
                .map(|i| {
                    let v = rng.uniform() * 3.0;
                    if i < cols || v < 1.0 {
                        0.0
                    } else {
                        v
                    }
                })
                .collect();
            let mut exp_f = vec![0f64; n * rows];
            let mut exp_q = vec![0f64; n * rows];
            let mut mag_f = vec![0f64; n * rows];
            let mut mag_q = vec![0f64; n * rows];
            for j in 0..n {
                for r in 0..rows {
                    for c in 0..cols {
                        let xv = x[j * cols + c] as f64;
                        let wf = w[r * cols + c] as f64;
                        let wq = q.q[r * cols + c] as f64 * q.scales[r] as f64;
                        exp_f[j * rows + r] += wf * xv;
                        exp_q[j * rows + r] += wq * xv;
                        mag_f[j * rows + r] += (wf * xv).abs();
                        mag_q[j * rows + r] += (wq * xv).abs();
                    }
                }
            }
            for level in KernelLevel::available() {
                let mut out = vec![f32::NAN; n * rows + 2];
                gemm_f32(level, &packed, &x, n, &mut out);
                check_close(level, &out[..n * rows], &exp_f, &mag_f);
                assert!(
                    out[n * rows..].iter().all(|v| v.is_nan()),
                    "wrote past the end"
                );
                let mut out = vec![f32::NAN; n * rows];
                gemm_i8_f32(level, &packed_i8, &x, n, &mut out);
                check_close(level, &out, &exp_q, &mag_q);
            }
        }
    }
}
