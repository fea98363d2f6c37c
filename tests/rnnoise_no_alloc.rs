//! After construction, the RNNoise denoiser never allocates: every frame runs inside
//! `assert_no_alloc`, which aborts the process on any allocation.

use aquant::models::rnnoise::{Denoiser, Network, RnnoiseModel, FRAME_SIZE};
use aquant::stream::{Flush, Stream};
use aquant::SimdLevel;

#[global_allocator]
static A: assert_no_alloc::AllocDisabler = assert_no_alloc::AllocDisabler;

fn signal(len: usize) -> Vec<f32> {
    let mut s = 1u32;
    (0..len)
        .map(|i| {
            s ^= s << 13;
            s ^= s >> 17;
            s ^= s << 5;
            0.3 * (i as f32 * 0.021).sin() + (s as f32 / u32::MAX as f32 - 0.5) * 0.05
        })
        .collect()
}

#[test]
fn frames_and_stream_do_not_allocate() {
    let input = signal(30 * FRAME_SIZE);
    for level in SimdLevel::available() {
        let mut dn = Denoiser::with_model(RnnoiseModel::builtin(), level);
        let mut out = vec![0.0f32; input.len()];
        let mut frame_out = [0.0f32; FRAME_SIZE];
        let mut frame_in = [0.0f32; FRAME_SIZE];
        frame_in.copy_from_slice(&input[..FRAME_SIZE]);
        let mut vad_sum = 0.0;
        assert_no_alloc::assert_no_alloc(|| {
            // Silence path and normal path, frame API.
            vad_sum += dn.process_frame(&[0.0; FRAME_SIZE], &mut frame_out);
            for _ in 0..5 {
                vad_sum += dn.process_frame(&frame_in, &mut frame_out);
            }
            // Stream API in odd chunks, then the flush.
            let (mut pos, mut produced) = (0, 0);
            while pos < input.len() {
                let n = 333.min(input.len() - pos);
                let flush = if pos + n == input.len() {
                    Flush::Finish
                } else {
                    Flush::None
                };
                let p = dn
                    .process_stream(&input[pos..pos + n], &mut out[produced..], flush)
                    .unwrap();
                pos += p.consumed;
                produced += p.produced;
            }
            while !dn
                .process_stream(&[], &mut out[produced..], Flush::Finish)
                .unwrap()
                .finished
            {}
            Stream::reset(&mut dn);
        });
        assert!(vad_sum.is_finite());
        let mut net = Network::with_simd(RnnoiseModel::builtin(), level);
        let mut gains = [0.0f32; 22];
        assert_no_alloc::assert_no_alloc(|| {
            net.run(&[0.5; 42], &mut gains);
        });
    }
}
