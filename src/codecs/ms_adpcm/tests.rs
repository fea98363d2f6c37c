//! Unit tests from first principles: layouts, hand-decoded blocks, corrupt data, and the
//! encoder's choices.

use super::*;
use crate::codecs::{Decoder, Encoder};
use crate::stream::Flush;

#[test]
fn layout_follows_block_align() {
    let p = MsParams::new(1, 256).unwrap();
    assert_eq!(p.samples_per_block(), 500);
    assert_eq!(MsParams::new(2, 2048).unwrap().samples_per_block(), 2036);
    assert_eq!(MsParams::new(1, 1024).unwrap().samples_per_block(), 2036);
    assert_eq!(MsParams::new(3, 21).unwrap().samples_per_block(), 2);
    assert!(MsParams::new(2, 13).is_err());
    assert!(MsParams::new(0, 256).is_err());
    assert!(MsParams::new(9, 256).is_err());
    // The standard fmt extension: cbSize 32.
    let extra = p.wav_fmt_extra();
    assert_eq!(extra.len(), 32);
    assert_eq!(&extra[..4], &[0xF4, 0x01, 7, 0]);
    assert_eq!(&extra[4..12], &[0, 1, 0, 0, 0, 2, 0, 0xFF]); // (256, 0), (512, -256)
    assert_eq!(MsParams::from_wav_fmt(1, 256, &extra).unwrap(), p);
}

#[test]
fn fmt_extension_is_checked() {
    let mut extra = MsParams::new(1, 256).unwrap().wav_fmt_extra();
    assert!(MsParams::from_wav_fmt(1, 256, &extra[..3]).is_err());
    assert!(MsParams::from_wav_fmt(1, 256, &extra[..20]).is_err()); // 7 pairs declared, 4 held
    extra[..2].copy_from_slice(&[1, 0]); // 1 sample per block
    assert!(MsParams::from_wav_fmt(1, 256, &extra).is_err());
    extra[..2].copy_from_slice(&[100, 0]);
    assert_eq!(
        MsParams::from_wav_fmt(1, 256, &extra)
            .unwrap()
            .samples_per_block(),
        100
    );
    // A custom one-pair table.
    let custom = [100, 0, 1, 0, 0x80, 0, 0x40, 0]; // (128, 64)
    let p = MsParams::from_wav_fmt(1, 256, &custom).unwrap();
    assert_eq!(p.coefficients(), &[[128, 64]]);
}

/// The floor-rounded prediction and the delta adaptation, by hand.
#[test]
fn decodes_a_hand_made_stereo_block() {
    let params = MsParams::new(2, 16).unwrap(); // 14 header bytes + 2 bytes: 4 frames
    #[rustfmt::skip]
    let block = [
        5, 1,             // pairs: (460, -208) and (512, -256)
        20, 0, 16, 0,     // deltas 20, 16
        0x64, 0, 0x9C, 0xFF, // sample 1: 100, -100
        0x50, 0, 0x38, 0xFF, // sample 0: 80, -200
        0x7F, 0x19,       // codes: L 7, R -1, L 1, R -7
    ];
    let mut pcm = [0i16; 8];
    let mut warnings = 0;
    assert_eq!(decode_block(&params, &block, &mut pcm, &mut warnings), 4);
    // L: (100·460 − 80·208) >> 8 = 29360 >> 8 = 114; + 7·20 = 254; delta 20·614>>8 = 47.
    //    then (254·460 − 100·208) >> 8 = 96040 >> 8 = 375; + 1·47 = 422.
    // R: (−100·512 + 200·256) >> 8 = 0; − 1·16 = −16; delta max(16, 16·230>>8 = 14) = 16.
    //    then (−16·512 + 100·256) >> 8 = 17408 >> 8 = 68; − 7·16 = −44.
    assert_eq!(pcm, [80, -200, 100, -100, 254, -16, 422, -44]);
    assert_eq!(warnings, 0);
}

#[test]
fn negative_predictions_round_down() {
    // (−3·256 + −2·(−255)) = −258 → floor(−258/256) = −2 (truncation would give −1).
    let s = MsState {
        sample1: -3,
        sample2: -2,
        delta: 16,
        coef1: 256,
        coef2: -255,
    };
    assert_eq!(s.prediction(), -2);
}

#[test]
fn corrupt_blocks_decode_to_defined_output_with_warnings() {
    let params = MsParams::new(1, 9).unwrap(); // 7 header bytes + 4 codes: 6 frames
    let mut dec = MsDecoder::new(params.clone());
    let mut out = [0i16; 16];
    // Predictor index 9 (the table has 7): pair 0 is used, one warning.
    let p = dec
        .decode(&[9, 16, 0, 10, 0, 0, 0, 0x10], &mut out, Flush::None)
        .unwrap();
    assert_eq!(p.produced, 0); // the block is not complete yet (9 bytes)
    let p = dec.decode(&[0x00], &mut out, Flush::None).unwrap();
    // 10 + 1·16 = 26, then code 0 three times.
    assert_eq!(&out[..p.produced], &[0, 10, 26, 26, 26, 26]);
    assert_eq!(dec.warnings(), 1);
    // A final block of 7 header bytes and nothing else: its two header samples, one warning.
    let p = dec
        .decode(&[0, 16, 0, 3, 0, 4, 0], &mut out, Flush::Finish)
        .unwrap();
    assert_eq!((&out[..p.produced], p.finished), (&[4i16, 3][..], true));
    assert_eq!(dec.warnings(), 2);
}

#[test]
fn runaway_delta_saturates_with_a_warning() {
    // Delta 32767 and code 7 (×3) every sample: the delta passes i32::MAX / 768 quickly.
    let params = MsParams::new(1, 7 + 32).unwrap();
    let mut block = vec![0u8, 0xFF, 0x7F, 0, 0, 0, 0];
    block.extend([0x77; 32]);
    let mut pcm = vec![0i16; params.samples_per_block()];
    let mut warnings = 0;
    decode_block(&params, &block, &mut pcm, &mut warnings);
    assert!(warnings > 0);
    assert!(pcm[2..].iter().all(|&s| s == 32767));
}

#[test]
fn hand_checked_nearest_codes() {
    use super::encoder::nearest_signed_code;
    let s = MsState {
        sample1: 0,
        sample2: 0,
        delta: 100,
        coef1: 256,
        coef2: 0,
    };
    for (target, code) in [
        (0, 0),
        (49, 0),
        (51, 1),
        (-51, -1),
        (149, 1),
        (151, 2),
        (5000, 7),
        (-5000, -8),
    ] {
        assert_eq!(nearest_signed_code(&s, target), code, "target {target}");
    }
}

fn test_signal(frames: usize, channels: usize) -> Vec<i16> {
    let mut seed = 7u32;
    (0..frames * channels)
        .map(|i| {
            seed = seed.wrapping_mul(1664525).wrapping_add(1013904223);
            let t = (i / channels) as f64;
            let tone = (t * 0.02 * (1 + i % channels) as f64).sin() * 12000.0;
            (tone + (seed >> 21) as f64 - 1024.0) as i16
        })
        .collect()
}

fn squared_error(a: &[i16], b: &[i16]) -> u64 {
    a.iter()
        .zip(b)
        .map(|(&x, &y)| ((x as i64 - y as i64).pow(2)) as u64)
        .sum()
}

#[test]
fn search_beats_fixed_pair_zero_on_a_tone() {
    // A pure tone is what pair 0 (first-order) predicts worst; ffmpeg always uses it.
    let params = MsParams::new(1, 256).unwrap();
    let pcm: Vec<i16> = (0..5000)
        .map(|i| ((i as f64 * 0.3).sin() * 20000.0) as i16)
        .collect();
    let searched = encode_all(&params, &pcm, Effort::DEFAULT);
    let pair0 = MsParams::from_wav_fmt(1, 256, &[0xF4, 1, 1, 0, 0, 1, 0, 0]).unwrap();
    let fixed = encode_all(&pair0, &pcm, Effort::DEFAULT);
    let (a, _) = decode_all(&params, &searched, Some(5000));
    let (b, _) = decode_all(&pair0, &fixed, Some(5000));
    let (ea, eb) = (squared_error(&pcm, &a), squared_error(&pcm, &b));
    assert!(ea * 10 < eb, "searched {ea} vs pair 0 {eb}");
}

#[test]
fn search_efforts_are_never_worse_than_the_default() {
    let params = MsParams::new(2, 512).unwrap();
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
fn streaming_encoder_equals_batch() {
    let params = MsParams::new(2, 64).unwrap(); // 52 frames per block
    let pcm = test_signal(200, 2);
    let batch = encode_all(&params, &pcm, Effort::DEFAULT);
    assert_eq!(batch.len(), 4 * 64);
    let mut enc = MsEncoder::new(params, Effort::DEFAULT);
    let mut out = vec![0u8; 1000];
    let p = enc.encode(&pcm, &mut out, Flush::Finish).unwrap();
    assert!(p.finished);
    assert_eq!(out[..p.produced], batch);
}

/// The decoder as first written: one [`MsState::peek`] per code, channel by code index.
fn reference_decode_block(params: &MsParams, bytes: &[u8], pcm: &mut [i16]) -> (usize, u64) {
    let ch = params.channels();
    let mut warnings = u64::from(bytes.len() < params.block_align());
    if bytes.len() < 7 * ch {
        return (0, warnings);
    }
    let frames = (2 + (bytes.len() - 7 * ch) * 2 / ch).min(params.samples_per_block());
    let word = |i: usize| i16::from_le_bytes([bytes[i], bytes[i + 1]]) as i32;
    let mut states = vec![MsState::default(); ch];
    for (c, state) in states.iter_mut().enumerate() {
        let mut index = bytes[c] as usize;
        if index >= params.coefficients().len() {
            warnings += 1;
            index = 0;
        }
        let [c1, c2] = params.coefficients()[index];
        *state = MsState {
            delta: word(ch + 2 * c),
            sample1: word(3 * ch + 2 * c),
            sample2: word(5 * ch + 2 * c),
            coef1: c1 as i32,
            coef2: c2 as i32,
        };
        pcm[c] = state.sample2 as i16;
        if frames > 1 {
            pcm[ch + c] = state.sample1 as i16;
        }
    }
    for k in 0..frames.saturating_sub(2) * ch {
        let code = (bytes[7 * ch + k / 2] >> (4 * (1 - k % 2))) & 15;
        let (next, sample, saturated) = states[k % ch].peek(code);
        states[k % ch] = next;
        warnings += saturated as u64;
        pcm[2 * ch + k] = sample as i16;
    }
    (frames, warnings)
}

mod properties {
    use super::*;
    use crate::codecs::ms_adpcm::encoder::BlockCoder;
    use crate::simd::SimdLevel;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]

        /// Hostile bytes (any predictor index, delta, samples; short final blocks; a custom
        /// table with extreme pairs) decode as the one-code-at-a-time reference does.
        #[test]
        fn decoder_equals_the_reference(
            channels in 1usize..=8,
            extra in 0usize..40,
            cut in 0usize..100,
            custom in any::<bool>(),
            bytes in proptest::collection::vec(any::<u8>(), 400),
        ) {
            let align = 7 * channels + extra;
            let params = if custom {
                let table = [0xF4, 1, 2, 0, 0x00, 0x80, 0x00, 0x80, 0xFF, 0x7F, 0x01, 0x80];
                let spb = 2 + extra * 2 / channels;
                let mut table = table.to_vec();
                table[..2].copy_from_slice(&(spb as u16).to_le_bytes());
                MsParams::from_wav_fmt(channels, align, &table).unwrap()
            } else {
                MsParams::new(channels, align).unwrap()
            };
            let len = align.saturating_sub(cut % (align + 1));
            let block = &bytes[..len];
            let n = params.samples_per_block() * channels;
            let (mut got, mut want) = (vec![0i16; n], vec![0i16; n]);
            let mut warnings = 0;
            let frames = decode_block(&params, block, &mut got, &mut warnings);
            prop_assert_eq!((frames, warnings), reference_decode_block(&params, block, &mut want));
            prop_assert_eq!(&got[..frames * channels], &want[..frames * channels]);
        }

        /// The encoder's bytes are the same at every SIMD level, and the block codec's equal
        /// the batch encoder's and decode as the streaming decoder decodes them.
        #[test]
        fn encoder_levels_and_block_codec_agree(
            channels in 1usize..=5,
            align_per_channel in 8usize..80,
            blocks in 1usize..4,
            effort in 0u8..3,
            seed in any::<u32>(),
        ) {
            let params = MsParams::new(channels, align_per_channel * channels).unwrap();
            let n = blocks * params.samples_per_block() * channels;
            let mut x = seed;
            let pcm: Vec<i16> = (0..n)
                .map(|i| {
                    x = x.wrapping_mul(1664525).wrapping_add(1013904223);
                    let tone = ((i / channels) as f64 * 0.07).sin() * 20000.0;
                    (tone + ((x >> 20) as f64 - 2048.0) * (1 + i % 3) as f64) as i16
                })
                .collect();
            let bytes_len = blocks * params.block_align();
            let mut want = vec![0u8; bytes_len];
            let mut scalar = BlockCoder::with_level(params.clone(), Effort(effort), SimdLevel::Scalar);
            scalar.encode_blocks(&pcm, &mut want);
            for level in SimdLevel::available() {
                let mut got = vec![0u8; bytes_len];
                BlockCoder::with_level(params.clone(), Effort(effort), level)
                    .encode_blocks(&pcm, &mut got);
                prop_assert_eq!(&got, &want, "{:?}", level);
            }
            let mut block_encoder = MsBlockEncoder::new(params.clone(), Effort(effort)).clone();
            let mut got = vec![0u8; bytes_len];
            block_encoder.encode_blocks(&pcm, &mut got);
            prop_assert_eq!(&got, &want);
            prop_assert_eq!(&encode_all(&params, &pcm, Effort(effort)), &want);
            let mut decoded = vec![0i16; n];
            let warnings = MsBlockDecoder::new(params.clone()).decode_blocks(&want, &mut decoded);
            let (streamed, stream_warnings) = decode_all(&params, &want, None);
            prop_assert_eq!((decoded, warnings), (streamed, stream_warnings));
        }
    }
}

#[test]
fn block_decoder_tail_decodes_a_short_final_block() {
    let params = MsParams::new(1, 9).unwrap(); // 6 frames
    let dec = MsBlockDecoder::new(params);
    let mut pcm = [0i16; 6];
    // Header and one code byte: 4 frames, one warning (the block is short).
    assert_eq!(
        dec.decode_tail(&[0, 16, 0, 10, 0, 0, 0, 0x10], &mut pcm),
        (4, 1)
    );
    assert_eq!(pcm[..4], [0, 10, 26, 26]);
    assert_eq!(dec.decode_tail(&[0, 16], &mut pcm), (0, 1));
}
