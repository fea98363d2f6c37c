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
