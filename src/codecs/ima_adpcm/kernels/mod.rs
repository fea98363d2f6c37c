//! Kernels of the IMA ADPCM greedy encoder: up to [`LANES`] independent chains (a channel of a
//! block, from one starting state) coded in lockstep, each sample taking the code whose decoded
//! sample is nearest ([`nearest_code`](super::encoder::nearest_code)). One file per level;
//! `scalar` is the reference that `avx512` matches bit for bit (AVX2 machines run the scalar
//! kernel). The beam efforts' bucketed search has AVX-512 and AVX2 kernels too
//! ([`avx512::BucketBeamAvx512`], [`avx2::BucketBeamAvx2`]), each matching the scalar
//! [`BucketBeam`](super::beam::BucketBeam) bit for bit.

pub(crate) mod scalar;

#[cfg(target_arch = "x86_64")]
pub(crate) mod avx2;
#[cfg(target_arch = "x86_64")]
pub(crate) mod avx512;

use super::ImaState;
use crate::simd::SimdLevel;

/// Chains coded per kernel call.
pub(crate) const LANES: usize = 16;

/// One kernel call: chain `l` codes `samples[offsets[l] + i]` for `i in 0..len`, starting from
/// `states[l]`; on return `states[l]` is its final state and `costs[l]` its squared error.
/// With `codes`, the code of sample `i` of chain `l` goes to `codes[i * LANES + l]`. Only the
/// first `active` chains matter (the others must still hold valid offsets and states).
pub(crate) struct Chains<'a> {
    pub samples: &'a [i16],
    pub offsets: [u32; LANES],
    pub len: usize,
    pub active: usize,
    pub states: [ImaState; LANES],
    pub costs: [u64; LANES],
    pub codes: Option<&'a mut [u8]>,
}

/// Below this many active chains the scalar kernel is faster than 16 SIMD lanes.
const SIMD_MIN_ACTIVE: usize = 5;

/// Codes `chains` at `level` (a level this CPU lacks runs the scalar kernel). Chains whose
/// samples or codes would lie outside the buffers are not coded (zero cost, states unchanged):
/// never a panic.
pub(crate) fn greedy(level: SimdLevel, chains: &mut Chains) {
    chains.costs = [0; LANES];
    chains.active = chains.active.min(LANES);
    let reach = chains.offsets.iter().max().copied().unwrap_or(0) as usize + chains.len;
    let codes_fit = chains
        .codes
        .as_ref()
        .is_none_or(|c| c.len() >= chains.len * LANES);
    if reach > chains.samples.len() || !codes_fit {
        return;
    }
    match level {
        // The AVX-512 kernel loads 4 bytes per sample: one sample of slack past the last one.
        #[cfg(target_arch = "x86_64")]
        SimdLevel::Avx512 if reach < chains.samples.len() && chains.active >= SIMD_MIN_ACTIVE => {
            avx512::greedy(chains)
        }
        _ => scalar::greedy(chains),
    }
}

/// Decodes the whole blocks of `bytes` into `pcm` at `level`; returns the warnings. The
/// same as [`decode_block`](super::decode_block) on each block.
pub(crate) fn decode_blocks(
    level: SimdLevel,
    params: &super::ImaParams,
    bytes: &[u8],
    pcm: &mut [i16],
) -> u64 {
    match level {
        #[cfg(target_arch = "x86_64")]
        SimdLevel::Avx512 => avx512::decode_blocks(params, bytes, pcm),
        _ => scalar::decode_blocks(params, bytes, pcm),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Samples that reach the rails often (where the clamp path runs) and small steps.
    fn sample() -> impl Strategy<Value = i16> {
        prop_oneof![
            any::<i16>(),
            Just(i16::MAX),
            Just(i16::MIN),
            -300i16..300,
            (i16::MAX - 2000)..=i16::MAX,
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]

        /// Every level this CPU has codes exactly as the scalar reference.
        #[test]
        fn simd_equals_scalar(
            samples in prop::collection::vec(sample(), 1..600),
            starts in prop::collection::vec((any::<i16>(), 0u8..=88, any::<u32>()), LANES),
            len_seed in any::<usize>(),
            active in 1usize..=LANES,
        ) {
            let len = len_seed % samples.len();
            let room = (samples.len() - len) as u32;
            let offsets: [u32; LANES] = std::array::from_fn(|l| starts[l].2 % room);
            let run = |level: SimdLevel| {
                let mut codes = vec![0u8; len * LANES];
                let mut c = Chains {
                    samples: &samples,
                    offsets,
                    len,
                    active,
                    states: std::array::from_fn(|l| ImaState {
                        predictor: starts[l].0 as i32,
                        step_index: starts[l].1,
                    }),
                    costs: [0; LANES],
                    codes: Some(&mut codes),
                };
                greedy(level, &mut c);
                let (states, costs) = (c.states, c.costs);
                // Only the active chains are defined.
                let codes: Vec<u8> = codes
                    .chunks_exact(LANES)
                    .flat_map(|row| row[..active].to_vec())
                    .collect();
                (codes, costs[..active].to_vec(), states[..active].to_vec())
            };
            let reference = run(SimdLevel::Scalar);
            for level in SimdLevel::available() {
                prop_assert_eq!(&run(level), &reference, "level {:?}", level);
            }
        }
    }

    /// Targets that swing across the whole range (the clamp), or stay small, or sit still.
    fn beam_targets() -> impl Strategy<Value = Vec<i16>> {
        prop_oneof![
            prop::collection::vec(sample(), 0..120),
            prop::collection::vec(-2000i16..2000, 0..120),
            (any::<i16>(), 0usize..120).prop_map(|(x, n)| vec![x; n]),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]

        /// The AVX2 bucketed beam codes exactly as the scalar `BucketBeam` at every cap it
        /// takes: the same codes, chosen root and cost.
        #[cfg(target_arch = "x86_64")]
        #[test]
        fn avx2_bucket_beam_equals_scalar(
            targets in beam_targets(),
            roots in prop::collection::vec((any::<i16>(), 0u8..=88), 1..9),
            cap in 1usize..=avx2::MAX_AVX2_CAP,
        ) {
            use crate::codecs::ima_adpcm::beam::{BucketBeam, BucketModel};
            use crate::codecs::ima_adpcm::encoder::ImaModel;
            if SimdLevel::detected() < SimdLevel::Avx2 {
                return Ok(());
            }
            let roots: Vec<ImaState> = roots
                .iter()
                .map(|&(p, i)| ImaState { predictor: p as i32, step_index: i })
                .collect();
            let mut scalar = BucketBeam::new(cap, ImaModel::BUCKETS, targets.len());
            let mut codes = vec![0u8; targets.len()];
            let reference = scalar.search(&ImaModel, &roots, &targets, &mut codes);
            let mut fast = avx2::BucketBeamAvx2::new(cap, targets.len());
            let mut fast_codes = vec![0u8; targets.len()];
            for _ in 0..2 {
                let got = fast.search(&roots, &targets, &mut fast_codes);
                prop_assert_eq!(got, reference);
                prop_assert_eq!(&fast_codes, &codes);
            }
        }

        /// As `avx2_bucket_beam_equals_scalar`, for the AVX-512 search.
        #[cfg(target_arch = "x86_64")]
        #[test]
        fn avx512_bucket_beam_equals_scalar(
            targets in beam_targets(),
            roots in prop::collection::vec((any::<i16>(), 0u8..=88), 1..9),
            cap in 1usize..=avx512::MAX_SIMD_CAP,
        ) {
            use crate::codecs::ima_adpcm::beam::{BucketBeam, BucketModel};
            use crate::codecs::ima_adpcm::encoder::ImaModel;
            if SimdLevel::detected() < SimdLevel::Avx512 {
                return Ok(());
            }
            let roots: Vec<ImaState> = roots
                .iter()
                .map(|&(p, i)| ImaState { predictor: p as i32, step_index: i })
                .collect();
            let mut scalar = BucketBeam::new(cap, ImaModel::BUCKETS, targets.len());
            let mut codes = vec![0u8; targets.len()];
            let reference = scalar.search(&ImaModel, &roots, &targets, &mut codes);
            let mut fast = avx512::BucketBeamAvx512::new(cap, targets.len());
            let mut fast_codes = vec![0u8; targets.len()];
            // Twice: a search leaves no state behind that changes the next.
            for _ in 0..2 {
                let got = fast.search(&roots, &targets, &mut fast_codes);
                prop_assert_eq!(got, reference);
                prop_assert_eq!(&fast_codes, &codes);
            }
        }
    }
}
