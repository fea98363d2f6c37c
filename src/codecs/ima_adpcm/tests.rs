//! Unit tests from first principles: layouts, hand-decoded blocks, corrupt data, and the
//! encoder's search being exact about the decoder it models.

use super::beam::{BeamModel, BucketBeam, BucketModel, MAX_CANDIDATES};
use super::encoder::{nearest_code, ImaModel};
use super::*;
use crate::codecs::{Decoder, Encoder};
use crate::stream::Flush;

#[test]
fn layout_follows_block_align() {
    let p = ImaParams::new(1, 256).unwrap();
    assert_eq!(
        (p.samples_per_block(), p.wav_fmt_extra()),
        (505, 505u16.to_le_bytes())
    );
    assert_eq!(ImaParams::new(2, 2048).unwrap().samples_per_block(), 2041);
    assert_eq!(ImaParams::new(1, 1024).unwrap().samples_per_block(), 2041);
    assert_eq!(ImaParams::new(8, 32).unwrap().samples_per_block(), 1);
    assert_eq!(p.avg_bytes_per_sec(8000), 4055); // what SoX and libsndfile write
    assert!(ImaParams::new(2, 300).is_err()); // not a multiple of 8
    assert!(ImaParams::new(0, 256).is_err());
    assert!(ImaParams::new(9, 288).is_err());
    assert!(ImaParams::new(1, 65536).is_err());
    assert_eq!(ImaParams::default_block_align(2, 48000), 2048);
    assert_eq!(ImaParams::default_block_align(1, 8000), 256);
}

#[test]
fn fmt_extension_may_declare_fewer_samples() {
    let p = ImaParams::from_wav_fmt(1, 256, &497u16.to_le_bytes()).unwrap();
    assert_eq!(p.samples_per_block(), 497);
    assert!(ImaParams::from_wav_fmt(1, 256, &500u16.to_le_bytes()).is_err()); // not 8k+1
    assert!(ImaParams::from_wav_fmt(1, 256, &513u16.to_le_bytes()).is_err()); // too many
    assert_eq!(
        ImaParams::from_wav_fmt(1, 256, &[])
            .unwrap()
            .samples_per_block(),
        505
    );
}

/// The reference decoder's arithmetic, spelled out for one block by hand.
#[test]
fn decodes_a_hand_made_block() {
    let params = ImaParams::new(1, 8).unwrap();
    // predictor 1000, index 10 (step 19); codes 7, 8 | 0, 15 | 1, 2 | 3, 4 (low nibble first)
    let block = [0xE8, 0x03, 10, 0, 0x87, 0xF0, 0x21, 0x43];
    let mut pcm = [0i16; 9];
    let mut warnings = 0;
    assert_eq!(decode_block(&params, &block, &mut pcm, &mut warnings), 9);
    // code 7 at step 19: 19>>3 + 19 + 9 + 4 = 34 -> 1034, index 18 (step 41)
    // code 8 at step 41: -(41>>3) = -5 -> 1029, index 17 (step 37)
    // code 0 at 37: +4 -> 1033, index 16 (34); code 15 at 34: -(4+34+17+8) = -63 -> 970,
    // index 24 (73); code 1 at 73: +(9+18) -> 997, index 23 (66); code 2 at 66: +(8+33) ->
    // 1038, index 22 (60); code 3 at 60: +(7+30+15) -> 1090, index 21 (55); code 4: +(6+55)
    assert_eq!(pcm, [1000, 1034, 1029, 1033, 970, 997, 1038, 1090, 1151]);
    assert_eq!(warnings, 0);
}

#[test]
fn predictor_saturates_at_16_bits() {
    let mut s = ImaState {
        predictor: 32700,
        step_index: 88,
    };
    assert_eq!(s.decode(7), 32767);
    let mut s = ImaState {
        predictor: -32700,
        step_index: 88,
    };
    assert_eq!(s.decode(15), -32768);
    assert_eq!(s.step_index, 88);
}

#[test]
fn corrupt_blocks_decode_to_defined_output_with_warnings() {
    let params = ImaParams::new(1, 8).unwrap();
    let mut dec = ImaDecoder::new(params);
    let mut out = [0i16; 32];
    // Step index 200: clamped to 88 (one warning); decoding continues.
    let p = dec
        .decode(
            &[0, 0, 200, 0, 0x11, 0x11, 0x11, 0x11],
            &mut out,
            Flush::None,
        )
        .unwrap();
    assert_eq!(p.produced, 9);
    assert_eq!(dec.warnings(), 1);
    // The same as index 88 given honestly.
    let mut clean = [0i16; 9];
    decode_block(
        &params,
        &[0, 0, 88, 0, 0x11, 0x11, 0x11, 0x11],
        &mut clean,
        &mut 0,
    );
    assert_eq!(out[..9], clean);
    // A truncated final block (header + 3 of 4 bytes): only its header sample is decodable.
    let p = dec
        .decode(&[5, 0, 0, 0, 1, 2, 3], &mut out, Flush::Finish)
        .unwrap();
    assert_eq!((p.produced, p.finished), (1, true));
    assert_eq!(out[0], 5);
    assert_eq!(dec.warnings(), 2);
    // Shorter than a header: nothing, one more warning.
    dec.reset();
    let p = dec.decode(&[1, 2], &mut out, Flush::Finish).unwrap();
    assert_eq!((p.produced, p.finished, dec.warnings()), (0, true, 1));
}

/// The encoder's table-driven choice decodes to the sample nearest the target among all 16
/// codes, and the state it reports is exactly the decoder's.
#[test]
fn nearest_code_is_nearest_and_matches_the_decoder() {
    for step_index in 0..=MAX_STEP_INDEX {
        for predictor in [-32768, -20000, -1, 0, 5, 12345, 32767] {
            for target in (-32768..=32767).step_by(97) {
                let state = ImaState {
                    predictor,
                    step_index,
                };
                let (code, next, y) = nearest_code(&state, target);
                assert_eq!(state.peek(code), (next, y));
                let decoded = |c: u8| state.peek(c).1;
                let best = (0..16u8).map(|c| (target - decoded(c)).abs()).min();
                assert_eq!(Some((target - y).abs()), best, "{state:?} {target}");
            }
        }
    }
}

fn squared_error(a: &[i16], b: &[i16]) -> u64 {
    a.iter()
        .zip(b)
        .map(|(&x, &y)| ((x as i64 - y as i64).pow(2)) as u64)
        .sum()
}

fn test_signal(frames: usize, channels: usize) -> Vec<i16> {
    let mut seed = 1u32;
    (0..frames * channels)
        .map(|i| {
            seed = seed.wrapping_mul(1664525).wrapping_add(1013904223);
            let t = (i / channels) as f64;
            let tone = (t * 0.031 * (1 + i % channels) as f64).sin() * 9000.0;
            (tone + (seed >> 20) as f64 - 2048.0) as i16
        })
        .collect()
}

#[test]
fn search_efforts_are_never_worse_than_the_default() {
    let params = ImaParams::new(2, 256).unwrap();
    let pcm = test_signal(3000, 2);
    let mut default = None;
    for effort in [1u8, 2, 3, 4] {
        let bytes = encode_all(&params, &pcm, Effort(effort));
        let (dec, w) = decode_all(&params, &bytes, Some(3000));
        assert_eq!(w, 0);
        let err = squared_error(&pcm, &dec);
        let default = *default.get_or_insert(err);
        assert!(
            err <= default,
            "effort {effort}: {err} > effort 1's {default}"
        );
    }
}

#[test]
fn streaming_encoder_equals_batch_and_pads_by_holding() {
    let params = ImaParams::new(2, 64).unwrap(); // 57 frames per block
    let pcm = test_signal(200, 2);
    let batch = encode_all(&params, &pcm, Effort::DEFAULT);
    assert_eq!(batch.len(), 4 * 64);
    let mut enc = ImaEncoder::new(params, Effort::DEFAULT);
    let mut out = vec![0u8; 1000];
    let p = enc.encode(&pcm, &mut out, Flush::Finish).unwrap();
    assert!(p.finished);
    assert_eq!(out[..p.produced], batch);
    assert_eq!(enc.frames_in(), 200);
    // The padded tail repeats each channel's last sample closely.
    let (dec, _) = decode_all(&params, &batch, None);
    assert_eq!(dec.len(), 4 * 57 * 2);
    for (i, &s) in dec[400..].iter().enumerate() {
        let last = pcm[398 + i % 2] as i32;
        assert!(
            (s as i32 - last).abs() < 600,
            "pad sample {i}: {s} vs {last}"
        );
    }
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(24))]

    /// The block encoder codes the same bytes at every SIMD level this CPU has, for any
    /// channel count and block size, and the same as the streaming encoder.
    #[test]
    fn block_encoder_same_at_every_level(
        channels in 1usize..=4,
        units in 1usize..=12,
        blocks in 1usize..=5,
        seed in proptest::prelude::any::<u32>(),
    ) {
        use crate::codecs::block::BlockEncoder;
        use crate::simd::SimdLevel;
        let params = ImaParams::new(channels, 4 * channels * units).unwrap();
        let n = blocks * params.samples_per_block() * channels;
        let mut state = seed;
        let pcm: Vec<i16> = (0..n)
            .map(|i| {
                state = state.wrapping_mul(1664525).wrapping_add(1013904223);
                let tone = ((i as f64 * 0.03).sin() * 20000.0) as i32;
                // Bursts of full-scale noise put the decoder's clamp to work.
                let burst = if (i / 300) % 3 == 0 { (state >> 16) as i32 - 32768 } else { 0 };
                (tone + burst).clamp(-32768, 32767) as i16
            })
            .collect();
        let mut streamed = vec![0u8; blocks * params.block_align()];
        let mut enc = ImaEncoder::new(params, Effort::DEFAULT);
        let p = enc.encode(&pcm, &mut streamed, Flush::Finish).unwrap();
        proptest::prop_assert!(p.finished);
        for level in SimdLevel::available() {
            let mut out = vec![0u8; blocks * params.block_align()];
            ImaBlockEncoder::with_level(params, Effort::DEFAULT, level).encode_blocks(&pcm, &mut out);
            proptest::prop_assert_eq!(&out, &streamed, "level {:?}", level);
        }
        // The beam efforts (the AVX-512 bucketed beam up to 8 paths per step index, scalar
        // above) code alike at every level too.
        for effort in [3u8, 7, 9] {
            let effort = Effort(effort);
            let mut reference = vec![0u8; blocks * params.block_align()];
            ImaBlockEncoder::with_level(params, effort, SimdLevel::Scalar).encode_blocks(&pcm, &mut reference);
            for level in SimdLevel::available() {
                let mut out = vec![0u8; blocks * params.block_align()];
                ImaBlockEncoder::with_level(params, effort, level).encode_blocks(&pcm, &mut out);
                proptest::prop_assert_eq!(&out, &reference, "level {:?}, effort {:?}", level, effort);
            }
        }
    }
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]

    /// The block decoder gives the same samples and warnings at every SIMD level this CPU has
    /// as the scalar `decode_block` on each block, for any bytes (step indices above 88
    /// included) and any channel count, block size and `wSamplesPerBlock`.
    #[test]
    fn block_decoder_same_at_every_level(
        channels in 1usize..=8,
        units in 1usize..=10,
        fewer_groups in 0usize..3,
        blocks in 0usize..=40,
        seed in proptest::prelude::any::<u64>(),
    ) {
        use crate::codecs::block::BlockDecoder;
        use crate::simd::SimdLevel;
        let full = ImaParams::new(channels, 4 * channels * units).unwrap();
        let spb = full.samples_per_block() - 8 * fewer_groups.min(units - 1);
        let params = ImaParams::from_wav_fmt(channels, full.block_align(), &(spb as u16).to_le_bytes()).unwrap();
        let mut state = seed;
        let bytes: Vec<u8> = (0..blocks * params.block_align())
            .map(|_| {
                state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                (state >> 56) as u8
            })
            .collect();
        let samples = blocks * params.samples_per_block() * channels;
        let mut reference = vec![0i16; samples];
        let mut reference_warnings = 0;
        for (block, pcm) in bytes
            .chunks_exact(params.block_align())
            .zip(reference.chunks_exact_mut(params.samples_per_block() * channels))
        {
            decode_block(&params, block, pcm, &mut reference_warnings);
        }
        for level in SimdLevel::available() {
            let mut pcm = vec![0i16; samples];
            let warnings = ImaBlockDecoder::with_level(params, level).decode_blocks(&bytes, &mut pcm);
            proptest::prop_assert_eq!((&pcm, warnings), (&reference, reference_warnings), "level {:?}", level);
        }
    }
}

#[test]
fn beam_model_decodes_like_the_decoder() {
    // Every step index and code, from predictors across the range and at both rails.
    for index in 0..=MAX_STEP_INDEX {
        for predictor in [-32768, -32000, -1000, -1, 0, 1, 777, 32000, 32767] {
            let state = ImaState {
                predictor,
                step_index: index,
            };
            for code in 0..16u8 {
                assert_eq!(ImaModel.advance(&state, code), state.peek(code));
            }
            // The candidates are distinct codes, the nearest first.
            let mut codes = [0u8; MAX_CANDIDATES];
            for target in [-32768, predictor - 300, predictor, predictor + 5, 32767] {
                let n = ImaModel.candidates(&state, target, &mut codes);
                assert!((1..=2).contains(&n));
                assert_eq!(codes[0], nearest_code(&state, target).0);
                if n == 2 {
                    assert_ne!(codes[0], codes[1]);
                }
            }
        }
    }
}

/// Exhaustive search over every code sequence: the least squared error from `root`.
fn brute_force_best(root: ImaState, targets: &[i16]) -> u64 {
    let mut best = u64::MAX;
    for seq in 0..16u32.pow(targets.len() as u32) {
        let (mut state, mut cost, mut s) = (root, 0u64, seq);
        for &x in targets {
            let (next, y) = state.peek((s % 16) as u8);
            s /= 16;
            cost += ((x as i64 - y as i64) * (x as i64 - y as i64)) as u64;
            state = next;
        }
        best = best.min(cost);
    }
    best
}

#[test]
fn bucket_beam_reports_the_cost_of_its_codes() {
    let mut beam = BucketBeam::new(16, ImaModel::BUCKETS, 8);
    let mut seed = 7u32;
    for trial in 0..40 {
        let len = 1 + trial % 4;
        let targets: Vec<i16> = (0..len)
            .map(|_| {
                seed = seed.wrapping_mul(1664525).wrapping_add(1013904223);
                ((seed >> 16) as i32 - 32768) as i16 / (1 + (trial % 3) as i16 * 40)
            })
            .collect();
        let root = ImaState {
            predictor: targets[0] as i32 / 2,
            step_index: (trial * 7 % 89) as u8,
        };
        let mut codes = [0u8; 8];
        let (chosen, cost) = beam.search(&ImaModel, &[root], &targets, &mut codes);
        assert_eq!(chosen, 0);
        // The reported cost is the cost of the reported codes.
        let mut state = root;
        let mut replay = 0u64;
        for (&x, &code) in targets.iter().zip(&codes) {
            let y = state.decode(code) as i64;
            replay += ((x as i64 - y) * (x as i64 - y)) as u64;
        }
        assert_eq!(replay, cost, "trial {trial}");
        // Never better than the exhaustive optimum.
        let optimum = brute_force_best(root, &targets);
        assert!(cost >= optimum, "trial {trial}");
    }
}
