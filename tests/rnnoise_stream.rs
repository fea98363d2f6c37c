//! Streaming behaviour of the RNNoise denoiser: any chunking of input and output gives the
//! same samples; the stream output is the frame API's output without its one-frame delay;
//! hostile input gives defined output.

use aquant::models::rnnoise::{Denoiser, FRAME_SIZE};
use aquant::stream::{drive_stream, Flush, Stream};
use proptest::prelude::*;

/// Deterministic noisy "speech": two tones with a slow envelope plus white-ish noise.
fn signal(len: usize, seed: u32) -> Vec<f32> {
    let mut state = seed.wrapping_mul(2_654_435_761).wrapping_add(1);
    (0..len)
        .map(|i| {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            let noise = (state as f32 / u32::MAX as f32 - 0.5) * 0.05;
            let t = i as f32 / 48_000.0;
            let env = 0.5 + 0.5 * (t * 6.0).sin();
            env * (0.2 * (t * 2.0 * std::f32::consts::PI * 180.0).sin()
                + 0.1 * (t * 2.0 * std::f32::consts::PI * 360.0).sin())
                + noise
        })
        .collect()
}

fn whole(input: &[f32]) -> Vec<f32> {
    let mut out = Vec::new();
    drive_stream(&mut Denoiser::new(), input, &mut [0.0; 8192], &mut out).unwrap();
    out
}

/// Feeds `input` in chunks of the given sizes with output buffers of the given sizes.
fn chunked(input: &[f32], in_sizes: &[usize], out_sizes: &[usize]) -> Vec<f32> {
    let mut dn = Denoiser::new();
    let mut out = Vec::new();
    let mut buf = vec![0.0f32; 4096];
    let (mut pos, mut step) = (0usize, 0usize);
    loop {
        let n = in_sizes[step % in_sizes.len()].min(input.len() - pos);
        let o = out_sizes[step % out_sizes.len()];
        step += 1;
        let last = pos + n == input.len();
        let flush = if last { Flush::Finish } else { Flush::None };
        let p = dn
            .process_stream(&input[pos..pos + n], &mut buf[..o], flush)
            .unwrap();
        out.extend_from_slice(&buf[..p.produced]);
        pos += p.consumed;
        if p.finished {
            assert_eq!(pos, input.len());
            return out;
        }
        assert!(step < 100_000, "stream made no progress");
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn any_chunking_gives_identical_output(
        len in 0usize..3000,
        seed in any::<u32>(),
        in_sizes in prop::collection::vec(0usize..1200, 1..8),
        out_sizes in prop::collection::vec(1usize..1200, 1..8),
    ) {
        let input = signal(len, seed);
        let reference = whole(&input);
        prop_assert_eq!(reference.len(), input.len());
        let got = chunked(&input, &in_sizes, &out_sizes);
        prop_assert_eq!(
            got.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
            reference.iter().map(|v| v.to_bits()).collect::<Vec<_>>()
        );
    }
}

/// The stream drops exactly the reference's one-frame delay: its output equals the frame
/// API's output shifted by 480 samples.
#[test]
fn stream_output_is_frame_output_without_delay() {
    let input = signal(10 * FRAME_SIZE, 7);
    let streamed = whole(&input);
    let mut dn = Denoiser::new();
    let mut framed = Vec::new();
    let mut padded = input.clone();
    padded.extend_from_slice(&[0.0; FRAME_SIZE]);
    for frame in padded.chunks_exact(FRAME_SIZE) {
        let mut out = [0.0; FRAME_SIZE];
        dn.process_frame(frame.try_into().unwrap(), &mut out);
        framed.extend_from_slice(&out);
    }
    assert_eq!(streamed, framed[FRAME_SIZE..FRAME_SIZE + input.len()]);
}

#[test]
fn empty_input_finishes_at_once() {
    let mut dn = Denoiser::new();
    let p = dn
        .process_stream(&[], &mut [0.0; 16], Flush::Finish)
        .unwrap();
    assert_eq!((p.consumed, p.produced, p.finished), (0, 0, true));
    let p = dn.process_stream(&[], &mut [0.0; 16], Flush::None).unwrap();
    assert_eq!((p.consumed, p.produced), (0, 0));
}

#[test]
fn empty_output_buffer_makes_no_progress_but_no_error() {
    let mut dn = Denoiser::new();
    let input = signal(2000, 3);
    let p = dn.process_stream(&input, &mut [], Flush::None).unwrap();
    // It processes frames until one frame of output is pending (the first frame's output is
    // the dropped delay), then stops consuming.
    assert_eq!((p.produced, p.consumed), (0, 2 * FRAME_SIZE));
    let p2 = dn
        .process_stream(&input[p.consumed..], &mut [0.0; 100], Flush::None)
        .unwrap();
    assert_eq!((p2.produced, p2.consumed), (100, 0));
}

#[test]
fn reset_returns_to_fresh_state() {
    let input = signal(3000, 11);
    let fresh = whole(&input);
    let mut dn = Denoiser::new();
    let mut junk = Vec::new();
    drive_stream(&mut dn, &signal(1234, 5), &mut [0.0; 512], &mut junk).unwrap();
    Stream::reset(&mut dn);
    let mut again = Vec::new();
    drive_stream(&mut dn, &input, &mut [0.0; 512], &mut again).unwrap();
    assert_eq!(fresh, again);
}

/// NaN, infinities and huge values give finite output, and the denoiser recovers: after the
/// bad stretch has left its history, the output equals that of a clean run fed zeros there.
#[test]
fn hostile_samples_give_finite_output() {
    let mut input = signal(20 * FRAME_SIZE, 9);
    input[1000] = f32::NAN;
    input[1001] = f32::INFINITY;
    input[1002] = f32::NEG_INFINITY;
    input[2000] = 1e30;
    input[2001] = -1e30;
    input[2002] = f32::MIN_POSITIVE / 4.0; // subnormal
    let out = whole(&input);
    assert_eq!(out.len(), input.len());
    assert!(out.iter().all(|v| v.is_finite()));

    let mut clean = input.clone();
    for i in [1000, 1001, 1002] {
        clean[i] = 0.0;
    }
    let out_clean = whole(&clean);
    assert_eq!(
        out.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
        out_clean.iter().map(|v| v.to_bits()).collect::<Vec<_>>()
    );
}

/// Weight files that are not RNNoise v0.1 safetensors are refused with an error, not a panic.
#[test]
fn malformed_weights_are_an_error() {
    use aquant::models::rnnoise::{RnnoiseModel, BUILTIN_WEIGHTS};
    assert!(RnnoiseModel::from_safetensors(&[]).is_err());
    assert!(RnnoiseModel::from_safetensors(b"not a safetensors file at all").is_err());
    // Truncated: the header promises more data than there is.
    assert!(RnnoiseModel::from_safetensors(&BUILTIN_WEIGHTS[..BUILTIN_WEIGHTS.len() / 2]).is_err());
    // Every byte flipped in turn within the header must not panic.
    let header_len = u64::from_le_bytes(BUILTIN_WEIGHTS[..8].try_into().unwrap()) as usize;
    for i in (0..8 + header_len).step_by(7) {
        let mut bytes = BUILTIN_WEIGHTS.to_vec();
        bytes[i] ^= 0x5a;
        let _ = RnnoiseModel::from_safetensors(&bytes);
    }
    assert_eq!(
        RnnoiseModel::from_safetensors(BUILTIN_WEIGHTS)
            .unwrap()
            .parameter_count(),
        87_503
    );
}
