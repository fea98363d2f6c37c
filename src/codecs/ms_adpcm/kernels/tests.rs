//! Every SIMD level this CPU has equals the scalar reference, bit for bit, on random and
//! extreme chains.

use super::*;
use proptest::prelude::*;

fn levels() -> Vec<SimdLevel> {
    SimdLevel::available()
}

fn state(s1: i16, s2: i16, delta: i32, c1: i16, c2: i16) -> MsState {
    MsState {
        sample1: s1 as i32,
        sample2: s2 as i32,
        delta,
        coef1: c1 as i32,
        coef2: c2 as i32,
    }
}

/// Runs every level on the same lanes and checks costs and codes against scalar.
fn check(pcm: &[i16], channels: usize, first: usize, len: usize, lanes: &Lanes) {
    let mut padded = pcm.to_vec();
    padded.extend([0; LANES]);
    let mut want_codes = vec![0u8; len * LANES];
    let want = scalar::greedy_lanes(&padded, channels, first, len, lanes, Some(&mut want_codes));
    for level in levels() {
        let mut codes = vec![0u8; len * LANES];
        let got = greedy_lanes(
            level,
            &padded,
            channels,
            first,
            len,
            lanes,
            Some(&mut codes),
        );
        assert_eq!(got, want, "costs at {level:?}");
        assert_eq!(codes, want_codes, "codes at {level:?}");
        let without = greedy_lanes(level, &padded, channels, first, len, lanes, None);
        assert_eq!(without, want, "costs without codes at {level:?}");
    }
}

fn lane_strategy() -> impl Strategy<Value = (i16, i16, i32, i16, i16)> {
    (
        any::<i16>(),
        any::<i16>(),
        prop_oneof![16..=32767i32, 1..=MAX_DELTA],
        prop_oneof![-600..=600i16, -32767..=32767i16],
        prop_oneof![-600..=600i16, -32767..=32767i16],
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn greedy_lanes_simd_equals_scalar(
        channels in 1usize..=8,
        frames in 0usize..300,
        loud in any::<bool>(),
        seed in any::<u64>(),
        lane_params in proptest::collection::vec(lane_strategy(), LANES),
        lane_channels in proptest::collection::vec(0usize..8, LANES),
    ) {
        let mut x = seed | 1;
        let pcm: Vec<i16> = (0..(frames + 2) * channels)
            .map(|i| {
                x ^= x << 13; x ^= x >> 7; x ^= x << 17;
                let noise = (x >> 48) as i16;
                if loud { noise } else { ((i as f64 * 0.05).sin() * 9000.0) as i16 + noise / 64 }
            })
            .collect();
        let mut lanes = Lanes::default();
        for l in 0..LANES {
            let (s1, s2, d, c1, c2) = lane_params[l];
            lanes.states[l] = state(s1, s2, d, c1, c2);
            lanes.channel[l] = lane_channels[l] % channels;
        }
        check(&pcm, channels, 2, frames, &lanes);
    }

    #[test]
    fn pair_energy_simd_equals_scalar(
        samples in proptest::collection::vec(any::<i16>(), 0..200),
        c1 in any::<i16>(),
        c2 in any::<i16>(),
    ) {
        let want = scalar::pair_energy(&samples, [c1, c2], 0);
        for level in levels() {
            prop_assert_eq!(pair_energy(level, &samples, [c1, c2]), want);
        }
    }
}

/// Full-scale square waves drive codes to ±8 and the delta to its limit; extreme coefficients
/// drive the prediction far outside 16 bits.
#[test]
fn greedy_lanes_extremes() {
    let pcm: Vec<i16> = (0..2 * 400)
        .map(|i| if (i / 2 / 3) % 2 == 0 { 32767 } else { -32768 })
        .collect();
    let mut lanes = Lanes::default();
    let extremes = [
        (32767, -32768, 32767, 32767, 32767),
        (-32768, -32768, MAX_DELTA, -32767, -32767),
        (-32768, 32767, 1, 32767, -32767),
        (0, 0, 16, 256, 0),
        (100, -100, 300, 512, -256),
        (-32768, -32768, 16, 460, -208),
        (32767, 32767, MAX_DELTA, 392, -232),
        (5, 7, 2, 0, 0),
    ];
    for (l, &(s1, s2, d, c1, c2)) in extremes.iter().enumerate() {
        lanes.states[l] = state(s1, s2, d, c1, c2);
        lanes.channel[l] = l % 2;
    }
    check(&pcm, 2, 2, 398, &lanes);
}

#[test]
fn pair_energy_extremes() {
    let samples: Vec<i16> = (0..1000)
        .map(|i| if i % 3 == 0 { -32768 } else { 32767 })
        .collect();
    for pair in [
        [-32768, -32767],
        [32767, 32767],
        [-32767, -32768],
        [-32768, -32768],
    ] {
        let want = scalar::pair_energy(&samples, pair, 0);
        for level in levels() {
            assert_eq!(
                pair_energy(level, &samples, pair),
                want,
                "{pair:?} at {level:?}"
            );
        }
    }
}

/// Blocks of hostile bytes: any predictor index (beyond the table too), any header delta and
/// samples; `style` 1 makes every code +7 or -8 so deltas run away to saturation, 2 makes
/// every code 0 (the smallest deltas, prediction alone), 3 keeps random codes but gives every
/// header an extreme delta (negative, zero, below 16, `i16::MAX`) and full-scale samples.
fn hostile_blocks(params: &MsParams, blocks: usize, style: u8, seed: u64) -> Vec<u8> {
    let (ch, align) = (params.channels(), params.block_align());
    let mut x = seed | 1;
    let mut next = || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        (x >> 32) as u8
    };
    let mut bytes: Vec<u8> = (0..blocks * align).map(|_| next()).collect();
    for block in bytes.chunks_exact_mut(align) {
        for (i, byte) in block[7 * ch..].iter_mut().enumerate() {
            *byte = match style {
                1 if i % 5 == 0 => 0x88,
                1 => 0x77,
                2 => 0,
                _ => *byte,
            };
        }
        if style != 0 {
            // Mostly valid indices, so the coded path is what runs.
            for index in &mut block[..ch] {
                *index %= params.coefficients().len() as u8 + 1;
            }
        }
        if style == 3 {
            const DELTAS: [i16; 6] = [i16::MIN, -1, 0, 1, 15, i16::MAX];
            const SAMPLES: [i16; 4] = [i16::MIN, i16::MAX, -1, 0];
            for c in 0..ch {
                let pick = block[c] as usize + c;
                let fields = [
                    (ch + 2 * c, DELTAS[pick % DELTAS.len()]),
                    (3 * ch + 2 * c, SAMPLES[pick % SAMPLES.len()]),
                    (5 * ch + 2 * c, SAMPLES[(pick / 4) % SAMPLES.len()]),
                ];
                for (at, value) in fields {
                    block[at..at + 2].copy_from_slice(&value.to_le_bytes());
                }
            }
        }
    }
    bytes
}

/// `table` 0: the standard pairs; 1: extreme pairs; 2: with (-32768, -32768), whose
/// product sum overflows 32 bits (the SIMD levels hand such tables to scalar); 3: 1 to 9
/// random pairs from `seed` (any `i16`, -32768 often).
fn decode_params(channels: usize, align: usize, spb_cut: usize, table: u8, seed: u64) -> MsParams {
    let full = MsParams::new(channels, align).unwrap();
    let spb = full.samples_per_block() - spb_cut % (full.samples_per_block() - 1);
    let mut x = seed | 1;
    let random: Vec<[i16; 2]> = (0..1 + seed % 9)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let coef = |bits: u64| match bits % 4 {
                0 => i16::MIN,
                1 => ((bits >> 8) % 1024) as i16 - 512,
                _ => (bits >> 16) as i16,
            };
            [coef(x), coef(x >> 32)]
        })
        .collect();
    let pairs: &[[i16; 2]] = match table {
        0 => &crate::codecs::ms_adpcm::STANDARD_COEFFICIENTS,
        1 => &[
            [256, 0],
            [32767, -32768],
            [-32768, 32767],
            [-32768, -32767],
            [32767, 32767],
        ],
        2 => &[[512, -256], [-32768, -32768], [0, 0]],
        _ => &random,
    };
    let mut extra = (spb as u16).to_le_bytes().to_vec();
    extra.extend((pairs.len() as u16).to_le_bytes());
    for [c1, c2] in pairs {
        extra.extend(c1.to_le_bytes());
        extra.extend(c2.to_le_bytes());
    }
    MsParams::from_wav_fmt(channels, align, &extra).unwrap()
}

/// Decodes `bytes` whole blocks at every level; output (including what is left alone past
/// the whole blocks) and warnings must equal scalar's.
fn check_decode(params: &MsParams, bytes: &[u8], pcm_len: usize) {
    let mut want = vec![0x5A5Ai16; pcm_len];
    let want_warnings = scalar::decode_blocks(params, bytes, &mut want);
    for level in levels() {
        let mut got = vec![0x5A5Ai16; pcm_len];
        let warnings = decode_blocks(level, params, bytes, &mut got);
        assert_eq!(warnings, want_warnings, "warnings at {level:?}");
        assert!(got == want, "samples at {level:?}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// Whole-block decoding at every level equals scalar, on mono and stereo (the SIMD
    /// shapes) and every other channel count, block counts around the lane groups of both
    /// SIMD levels (runs of 8 and 16 stereo, 16 and 32 mono blocks), blocks that end
    /// mid-word, `wSamplesPerBlock` below capacity, and a `pcm` that holds fewer blocks
    /// than `bytes`.
    #[test]
    fn decode_blocks_simd_equals_scalar(
        channels in prop_oneof![1usize..=2, 1..=MAX_CHANNELS],
        body_per_channel in 0usize..70,
        spb_cut in prop_oneof![Just(0usize), any::<usize>()],
        blocks in 0usize..60,
        table in 0u8..4,
        style in 0u8..4,
        pcm_short in 0usize..3,
        seed in any::<u64>(),
    ) {
        let params = decode_params(channels, 7 * channels + body_per_channel * channels, spb_cut, table, seed);
        let bytes = hostile_blocks(&params, blocks, style, seed);
        let block_samples = params.samples_per_block() * channels;
        let pcm_len = (blocks * block_samples).saturating_sub(pcm_short * block_samples / 2);
        check_decode(&params, &bytes, pcm_len);
    }

    /// The block decoder at every level (whole blocks, then a truncated last block) decodes a
    /// stream as the streaming decoder does, warnings included.
    #[test]
    fn block_decoder_levels_equal_streaming(
        channels in prop_oneof![1usize..=2, 1..=MAX_CHANNELS],
        body_per_channel in 0usize..40,
        blocks in 0usize..40,
        cut in any::<usize>(),
        table in prop_oneof![Just(0u8), 0u8..4],
        style in 0u8..4,
        seed in any::<u64>(),
    ) {
        use crate::codecs::ms_adpcm::{decode_all, MsBlockDecoder};
        let params = decode_params(channels, 7 * channels + body_per_channel * channels, 0, table, seed);
        let mut bytes = hostile_blocks(&params, blocks + 1, style, seed);
        bytes.truncate(blocks * params.block_align() + cut % params.block_align());
        let (want, want_warnings) = decode_all(&params, &bytes, None);
        let block_samples = params.samples_per_block() * channels;
        for level in levels() {
            let dec = MsBlockDecoder::with_level(params.clone(), level);
            let whole = bytes.len() / params.block_align();
            let mut pcm = vec![0i16; (whole + 1) * block_samples];
            let mut warnings = dec.decode_blocks(&bytes, &mut pcm);
            let (frames, tail_warnings) = if !bytes.len().is_multiple_of(params.block_align()) {
                dec.decode_tail(&bytes[whole * params.block_align()..], &mut pcm[whole * block_samples..])
            } else {
                (0, 0)
            };
            warnings += tail_warnings;
            pcm.truncate(whole * block_samples + frames * channels);
            prop_assert_eq!(&pcm, &want, "{:?}", level);
            prop_assert_eq!(warnings, want_warnings, "{:?}", level);
        }
    }
}

/// Long full blocks of the customary stereo and mono layouts: every code path of the chunked
/// kernels (full chunks, tail steps, the word that ends past the block), with runaway deltas
/// and extreme headers.
#[test]
fn decode_blocks_customary_layouts() {
    for (channels, align) in [(2, 2048), (1, 1024), (2, 2047), (1, 1023), (2, 512)] {
        for style in 0..4 {
            let params = decode_params(channels, align, 0, 0, 0);
            // At AVX-512 a pair of 16-lane groups, one single group, then blocks left to
            // scalar; at AVX2 a run of four 8-lane vectors, one of two, then scalar.
            let blocks = 3 * 16 / channels + 5;
            let bytes = hostile_blocks(&params, blocks, style, 7 + style as u64);
            let pcm_len = blocks * params.samples_per_block() * channels;
            check_decode(&params, &bytes, pcm_len);
        }
    }
}
