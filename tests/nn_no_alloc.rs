//! After construction, the layers and Silero VAD never allocate (assert_no_alloc aborts the
//! process on any allocation inside the closures).

use aquant::models::silero_vad::{Precision, SileroVad, CHUNK};
use aquant::nn::layers::{
    Activation, Conv1d, Conv1dConfig, Dense, Gru, GruConfig, GruForm, Lstm, LstmConfig,
    MatrixFormat,
};
use aquant::nn::KernelLevel;

#[global_allocator]
static A: assert_no_alloc::AllocDisabler = assert_no_alloc::AllocDisabler;

fn weights(n: usize) -> Vec<f32> {
    (0..n)
        .map(|i| ((i * 37 % 101) as f32 / 50.0 - 1.0) * 0.2)
        .collect()
}

#[test]
fn silero_vad_chunks_do_not_allocate() {
    for precision in [Precision::Float, Precision::Int8] {
        let mut vad = SileroVad::bundled(precision).unwrap();
        let signal: Vec<f32> = (0..CHUNK * 8 + 100)
            .map(|i| (i as f32 * 0.05).sin() * 0.3)
            .collect();
        let mut sum = 0.0;
        assert_no_alloc::assert_no_alloc(|| {
            for chunk in signal.chunks_exact(CHUNK) {
                sum += vad.process_chunk(chunk.try_into().unwrap());
            }
            vad.push(&signal, |p| sum += p);
            sum += vad.flush().unwrap_or(0.0);
            vad.reset();
        });
        assert!(sum.is_finite());
    }
}

#[test]
fn layers_do_not_allocate() {
    for level in KernelLevel::available() {
        let (i, h) = (24, 20);
        let (w, u, b) = (weights(3 * h * i), weights(3 * h * h), weights(3 * h));
        let mut grus: Vec<Gru> = [GruForm::ResetBefore, GruForm::ResetAfter]
            .into_iter()
            .flat_map(|form| {
                [MatrixFormat::F32, MatrixFormat::Int8Bounded].map(|fmt| {
                    Gru::new_at_level(
                        GruConfig {
                            inputs: i,
                            hidden: h,
                            form,
                            input_weights: &w,
                            recurrent_weights: &u,
                            input_bias: &b,
                            recurrent_bias: Some(&b),
                            input_format: fmt,
                            recurrent_format: fmt,
                            ..Default::default()
                        },
                        level,
                    )
                    .unwrap()
                })
            })
            .collect();
        let (w4, u4, b4) = (weights(4 * h * i), weights(4 * h * h), weights(4 * h));
        let mut lstm = Lstm::new_at_level(
            LstmConfig {
                inputs: i,
                hidden: h,
                input_weights: &w4,
                recurrent_weights: &u4,
                input_bias: &b4,
                recurrent_bias: None,
                input_format: MatrixFormat::Int8,
                recurrent_format: MatrixFormat::Int8Bounded,
            },
            level,
        )
        .unwrap();
        let dw = weights(h * i);
        let mut dense = Dense::new_at_level(
            i,
            h,
            &dw,
            &weights(h),
            Activation::Tanh,
            MatrixFormat::Int8,
            level,
        )
        .unwrap();
        let cw = weights(5 * i * 3);
        let mut conv = Conv1d::new_at_level(
            Conv1dConfig {
                in_channels: i,
                out_channels: 5,
                kernel: 3,
                stride: 2,
                dilation: 3,
                weights: &cw,
                activation: Activation::Relu,
                max_block_frames: 4,
                ..Default::default()
            },
            level,
        )
        .unwrap();
        let x: Vec<f32> = weights(i * 7).iter().map(|v| v * 4.0).collect();
        let mut y = vec![0.0; h];
        let mut frames = vec![0.0; 5 * 4];
        assert_no_alloc::assert_no_alloc(|| {
            for xt in x.chunks_exact(i) {
                for g in grus.iter_mut() {
                    g.step(xt);
                }
                lstm.step(xt);
                dense.forward(xt, &mut y);
            }
            conv.process(&x, &mut frames).unwrap();
            conv.forward_padded(&x[..4 * i], 1, 1, &mut frames).unwrap();
        });
    }
}
