//! Scalar reference kernels: the definition every SIMD level is tested against.

use super::{Elementwise, PackedF32, PackedI8, PackedI8x4};
use crate::nn::layers::activations::{sigmoid, tanh};

pub(crate) fn gemm_f32(w: &PackedF32, x: &[f32], n: usize, out: &mut [f32]) {
    let (rows, cols) = (w.rows(), w.cols());
    for j in 0..n {
        let xj = &x[j * cols..(j + 1) * cols];
        for r in 0..rows {
            let mut sum = 0.0f32;
            for (c, &xv) in xj.iter().enumerate() {
                sum += w.get(r, c) * xv;
            }
            out[j * rows + r] = sum;
        }
    }
}

pub(crate) fn gemm_i8_f32(w: &PackedI8, x: &[f32], n: usize, out: &mut [f32]) {
    let (rows, cols) = (w.rows(), w.cols());
    for j in 0..n {
        let xj = &x[j * cols..(j + 1) * cols];
        for r in 0..rows {
            let mut sum = 0.0f32;
            for (c, &xv) in xj.iter().enumerate() {
                sum += w.get(r, c) as f32 * xv;
            }
            out[j * rows + r] = sum * w.scale(r);
        }
    }
}

pub(crate) fn gemm_i8_i8(w: &PackedI8x4, x: &[i8], n: usize, out: &mut [i32]) {
    let (rows, cols, pc) = (w.rows(), w.cols(), w.padded_cols());
    for j in 0..n {
        let xj = &x[j * pc..j * pc + cols];
        for r in 0..rows {
            let mut sum = 0i32;
            for (c, &xv) in xj.iter().enumerate() {
                sum += w.get(r, c) as i32 * xv as i32;
            }
            out[j * rows + r] = sum;
        }
    }
}

#[inline(always)]
pub(crate) fn map_in_place(f: Elementwise, x: &mut [f32]) {
    match f {
        Elementwise::Sigmoid => x.iter_mut().for_each(|v| *v = sigmoid(*v)),
        Elementwise::Tanh => x.iter_mut().for_each(|v| *v = tanh(*v)),
    }
}
