//! The layers against ONNX Runtime's Gemm, GRU (both forms), LSTM and Conv (see
//! tests/data/nn/README.md), at every kernel level, in float and int8.

use aquant::nn::layers::{
    Activation, Conv1d, Conv1dConfig, Dense, Gru, GruConfig, GruForm, Lstm, LstmConfig,
    MatrixFormat,
};
use aquant::nn::{KernelLevel, TensorFile};

fn reference() -> TensorFile {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/nn/onnx_reference.safetensors"
    );
    TensorFile::load(path).expect("tests/data/nn/onnx_reference.safetensors")
}

fn get<'a>(f: &'a TensorFile, name: &str) -> &'a [f32] {
    let shape = f
        .get(name)
        .unwrap_or_else(|| panic!("{name}"))
        .shape
        .clone();
    f.f32(name, &shape).unwrap()
}

/// Reorders gate blocks of `block` values (rows × their columns): `order[k]` is the source
/// block of destination block k.
fn reorder(values: &[f32], block: usize, order: &[usize]) -> Vec<f32> {
    order
        .iter()
        .flat_map(|&k| values[k * block..(k + 1) * block].iter().copied())
        .collect()
}

/// Largest absolute difference, and the RMS of the reference.
fn compare(got: &[f32], expected: &[f32]) -> (f32, f32) {
    assert_eq!(got.len(), expected.len());
    let worst = got
        .iter()
        .zip(expected)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0, f32::max);
    let rms = (expected.iter().map(|v| v * v).sum::<f32>() / expected.len() as f32).sqrt();
    (worst, rms)
}

/// Float: within 2e-5 (fast activations and summation order); int8: within 10 % of the
/// output's RMS at worst (8-bit weights, SQNR about 40 dB, through up to 30 recurrent steps;
/// the RMS error is checked separately in `int8_rms_error`).
fn tolerance(int8: bool, rms: f32) -> f32 {
    if int8 {
        0.1 * rms.max(0.1)
    } else {
        2e-5
    }
}

/// RMS of the difference relative to the RMS of the reference.
fn relative_rms_error(got: &[f32], expected: &[f32]) -> f32 {
    let err: f32 = got
        .iter()
        .zip(expected)
        .map(|(a, b)| (a - b) * (a - b))
        .sum();
    let sig: f32 = expected.iter().map(|b| b * b).sum();
    (err / sig).sqrt()
}

#[test]
fn int8_rms_error() {
    // 8-bit weights: about 1 % noise per matrix; the recurrent layers stay within 3 %.
    let f = reference();
    for (form, name) in [
        (GruForm::ResetBefore, "gru.lbr0.y"),
        (GruForm::ResetAfter, "gru.lbr1.y"),
    ] {
        let e = relative_rms_error(
            &run_gru(&f, form, true, KernelLevel::select()),
            get(&f, name),
        );
        eprintln!("{form:?} int8 relative RMS error {e:.4}");
        assert!(e <= 0.03, "{form:?}: {e}");
    }
}

#[test]
fn dense_matches_onnx_gemm() {
    let f = reference();
    let (x, w, b) = (get(&f, "dense.x"), get(&f, "dense.w"), get(&f, "dense.b"));
    for level in KernelLevel::available() {
        for (act, name, format) in [
            (Activation::Tanh, "tanh", MatrixFormat::F32),
            (Activation::Sigmoid, "sigmoid", MatrixFormat::F32),
            (Activation::Relu, "relu", MatrixFormat::F32),
            (Activation::Relu, "relu", MatrixFormat::Int8),
        ] {
            let mut dense = Dense::new_at_level(37, 21, w, b, act, format, level).unwrap();
            let mut y = vec![0.0; 5 * 21];
            for j in 0..5 {
                dense.forward(&x[j * 37..(j + 1) * 37], &mut y[j * 21..(j + 1) * 21]);
            }
            let (worst, rms) = compare(&y, get(&f, &format!("dense.{name}.y")));
            let tol = tolerance(format != MatrixFormat::F32, rms);
            assert!(worst <= tol, "{level:?} {name} {format:?}: {worst} > {tol}");
        }
    }
}

fn run_gru(f: &TensorFile, form: GruForm, int8: bool, level: KernelLevel) -> Vec<f32> {
    let (h, i) = (19, 24);
    let (w, r, b) = (get(f, "gru.W"), get(f, "gru.R"), get(f, "gru.B"));
    let (wb, rb) = b.split_at(3 * h);
    // ONNX gate order is z, r, h; the ResetAfter form takes PyTorch's r, z, n.
    let order: &[usize] = match form {
        GruForm::ResetBefore => &[0, 1, 2],
        GruForm::ResetAfter => &[1, 0, 2],
    };
    let (w, r) = (reorder(w, h * i, order), reorder(r, h * h, order));
    let (wb, rb) = (reorder(wb, h, order), reorder(rb, h, order));
    let mut gru = Gru::new_at_level(
        GruConfig {
            inputs: i,
            hidden: h,
            form,
            input_weights: &w,
            recurrent_weights: &r,
            input_bias: &wb,
            recurrent_bias: Some(&rb),
            input_format: if int8 {
                MatrixFormat::Int8
            } else {
                MatrixFormat::F32
            },
            recurrent_format: if int8 {
                MatrixFormat::Int8Bounded
            } else {
                MatrixFormat::F32
            },
            ..Default::default()
        },
        level,
    )
    .unwrap();
    let x = get(f, "gru.x");
    x.chunks(i).flat_map(|xt| gru.step(xt).to_vec()).collect()
}

#[test]
fn gru_both_forms_match_onnx() {
    let f = reference();
    for level in KernelLevel::available() {
        for (form, name) in [
            (GruForm::ResetBefore, "gru.lbr0.y"),
            (GruForm::ResetAfter, "gru.lbr1.y"),
        ] {
            for int8 in [false, true] {
                let (worst, rms) = compare(&run_gru(&f, form, int8, level), get(&f, name));
                let tol = tolerance(int8, rms);
                assert!(
                    worst <= tol,
                    "{level:?} {form:?} int8={int8}: {worst} > {tol}"
                );
            }
        }
    }
    // The two forms really differ on this data (so each test can fail on its own).
    let a = run_gru(&f, GruForm::ResetBefore, false, KernelLevel::Scalar);
    let (diff, _) = compare(&a, get(&f, "gru.lbr1.y"));
    assert!(diff > 1e-2, "{diff}");
}

#[test]
fn lstm_matches_onnx() {
    let f = reference();
    let (h, i) = (19, 24);
    // ONNX gate order i, o, f, c → PyTorch's i, f, g, o.
    let order = [0, 2, 3, 1];
    let w = reorder(get(&f, "lstm.W"), h * i, &order);
    let r = reorder(get(&f, "lstm.R"), h * h, &order);
    let (wb, rb) = get(&f, "lstm.B").split_at(4 * h);
    let (wb, rb) = (reorder(wb, h, &order), reorder(rb, h, &order));
    for level in KernelLevel::available() {
        for int8 in [false, true] {
            let mut lstm = Lstm::new_at_level(
                LstmConfig {
                    inputs: i,
                    hidden: h,
                    input_weights: &w,
                    recurrent_weights: &r,
                    input_bias: &wb,
                    recurrent_bias: Some(&rb),
                    input_format: if int8 {
                        MatrixFormat::Int8
                    } else {
                        MatrixFormat::F32
                    },
                    recurrent_format: if int8 {
                        MatrixFormat::Int8Bounded
                    } else {
                        MatrixFormat::F32
                    },
                },
                level,
            )
            .unwrap();
            let y: Vec<f32> = get(&f, "gru.x")
                .chunks(i)
                .flat_map(|xt| lstm.step(xt).to_vec())
                .collect();
            let (worst, rms) = compare(&y, get(&f, "lstm.y"));
            let tol = tolerance(int8, rms);
            assert!(worst <= tol, "{level:?} int8={int8}: {worst} > {tol}");
            let (worst_c, rms_c) = compare(lstm.cell_state(), get(&f, "lstm.c_last"));
            assert!(
                worst_c <= tolerance(int8, rms_c) * 2.0,
                "{level:?} c: {worst_c}"
            );
        }
    }
}

fn conv(f: &TensorFile, format: MatrixFormat, level: KernelLevel) -> Conv1d {
    Conv1d::new_at_level(
        Conv1dConfig {
            in_channels: 6,
            out_channels: 5,
            kernel: 3,
            stride: 2,
            dilation: 2,
            weights: get(f, "conv.w"),
            bias: Some(get(f, "conv.b")),
            format,
            ..Default::default()
        },
        level,
    )
    .unwrap()
}

#[test]
fn causal_conv_matches_onnx_in_any_chunking() {
    let f = reference();
    let x = get(&f, "conv.x");
    let expected = get(&f, "conv.y");
    for level in KernelLevel::available() {
        for format in [MatrixFormat::F32, MatrixFormat::Int8] {
            let mut c = conv(&f, format, level);
            let mut whole = vec![0.0; 21 * 5];
            assert_eq!(c.process(x, &mut whole).unwrap(), 21);
            let (worst, rms) = compare(&whole, expected);
            let tol = tolerance(format != MatrixFormat::F32, rms);
            assert!(worst <= tol, "{level:?} {format:?}: {worst} > {tol}");
            // Any split into whole frames gives bit-identical output.
            for split in [1usize, 2, 3, 5, 7, 40] {
                c.reset();
                let mut got = Vec::new();
                for part in x.chunks(split * 6) {
                    let mut out = vec![0.0; c.outputs_for(part.len() / 6) * 5];
                    let n = c.process(part, &mut out).unwrap();
                    assert_eq!(n * 5, out.len());
                    got.extend(out);
                }
                assert_eq!(got, whole, "{level:?} split {split}");
            }
        }
    }
}

#[test]
fn padded_block_conv_equals_streaming_conv() {
    // forward_padded with left pad (K−1)·d and no right pad is the causal convolution.
    let f = reference();
    let x = get(&f, "conv.x");
    let mut c = Conv1d::new(Conv1dConfig {
        in_channels: 6,
        out_channels: 5,
        kernel: 3,
        stride: 2,
        dilation: 2,
        weights: get(&f, "conv.w"),
        bias: Some(get(&f, "conv.b")),
        max_block_frames: 21,
        ..Default::default()
    })
    .unwrap();
    let mut block = vec![0.0; 21 * 5];
    assert_eq!(c.forward_padded(x, 4, 0, &mut block).unwrap(), 21);
    let (worst, _) = compare(&block, get(&f, "conv.y"));
    assert!(worst <= 2e-5, "{worst}");
}

#[test]
fn bad_shapes_are_errors_not_panics() {
    let f = reference();
    let mut c = conv(&f, MatrixFormat::F32, KernelLevel::select());
    assert!(c.process(&[0.0; 5], &mut [0.0; 5]).is_err());
    assert!(c.process(&[0.0; 12], &mut [0.0; 4]).is_err());
    assert!(Dense::new(
        2,
        2,
        &[0.0; 3],
        &[0.0; 2],
        Activation::Relu,
        MatrixFormat::F32
    )
    .is_err());
    assert!(Dense::new(
        1,
        1,
        &[f32::NAN],
        &[0.0],
        Activation::Relu,
        MatrixFormat::Int8
    )
    .is_err());
    assert!(Gru::new(GruConfig::default()).is_err());
}

#[test]
fn int8_tensors_run_as_stored() {
    // An int8 matrix used as it is stored equals the float matrix q·scale at every level and
    // format (exactly for the integer kernel's sums, within rounding for the float ones).
    let (rows, cols) = (21, 37);
    let q: Vec<i8> = (0..rows * cols)
        .map(|i| ((i * 97 % 255) as i32 - 127) as i8)
        .collect();
    let scales: Vec<f32> = (0..rows)
        .map(|r| 1.0 / 256.0 * (1.0 + r as f32 / 8.0))
        .collect();
    let x: Vec<f32> = (0..cols)
        .map(|c| ((c * 13 % 29) as f32 / 14.0 - 1.0) * 0.9)
        .collect();
    let exact: Vec<f64> = (0..rows)
        .map(|r| {
            (0..cols)
                .map(|c| q[r * cols + c] as f64 * scales[r] as f64 * x[c] as f64)
                .sum()
        })
        .collect();
    for level in KernelLevel::available() {
        for format in [
            MatrixFormat::F32,
            MatrixFormat::Int8,
            MatrixFormat::Int8Bounded,
        ] {
            let mut m =
                aquant::nn::Linear::from_int8(rows, cols, &q, &scales, format, 1, level).unwrap();
            let mut y = vec![0.0; rows];
            m.forward(&x, 1, &mut y);
            // Int8Bounded also rounds x to 1/127 steps: at most 0.5/127 per input.
            let tol = if format == MatrixFormat::Int8Bounded {
                0.5 / 127.0 * 0.5 * cols as f64
            } else {
                1e-5
            };
            for (r, (&a, &e)) in y.iter().zip(&exact).enumerate() {
                assert!(
                    (a as f64 - e).abs() <= tol,
                    "{level:?} {format:?} row {r}: {a} vs {e}"
                );
            }
        }
    }
    assert!(aquant::nn::Linear::from_int8(
        1,
        2,
        &[-128, 0],
        &[1.0],
        MatrixFormat::Int8Bounded,
        1,
        KernelLevel::Scalar
    )
    .is_err());
}
