//! MS ADPCM kernels, one file per SIMD level. `scalar` is the reference; `avx2` and `avx512`
//! compute the same integer formulas in 32-bit lanes and match it bit for bit.
//!
//! Encoder: [`greedy_lanes`] runs eight independent nearest-reconstruction coding chains
//! at once (the encoder's candidate pairs and initial deltas, for one or more channels), and
//! [`pair_energy`] is the prediction-error energy that ranks the coefficient pairs.
//! Decoder: [`decode_blocks`] decodes whole blocks, one (block, channel) per 32-bit lane at
//! AVX2 and AVX-512 (`block_lanes` holds what those two share).

pub(crate) mod scalar;

#[cfg(target_arch = "x86_64")]
pub(crate) mod avx2;

#[cfg(target_arch = "x86_64")]
pub(crate) mod avx512;

#[cfg(target_arch = "x86_64")]
mod block_lanes;

use super::{MsParams, MsState, MAX_CHANNELS, MAX_DELTA};
use crate::simd::SimdLevel;

/// Chains one [`greedy_lanes`] call runs.
pub(crate) const LANES: usize = 8;

/// The starting state and input channel of each of [`LANES`] coding chains.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Lanes {
    /// Each chain's decoder state before its first target.
    pub(crate) states: [MsState; LANES],
    /// Each chain's channel in the interleaved input.
    pub(crate) channel: [usize; LANES],
}

/// Codes, in each lane `l`, the targets `pcm[(first + i) * channels + lanes.channel[l]]` for
/// `i in 0..len` with the nearest reconstruction, from `lanes.states[l]`. Returns each lane's
/// squared error; when `codes` is given (at least `len * LANES` bytes), lane `l`'s code of
/// step `i` goes to `codes[i * LANES + l]`.
///
/// The SIMD levels need eight readable samples at every frame they read (callers pad the block
/// with [`LANES`] samples) and states a 32-bit lane can hold exactly: coefficients above
/// -32768 and deltas in `1..=MAX_DELTA`. Anything else runs the scalar reference.
#[allow(clippy::too_many_arguments)]
pub(crate) fn greedy_lanes(
    level: SimdLevel,
    pcm: &[i16],
    channels: usize,
    first: usize,
    len: usize,
    lanes: &Lanes,
    codes: Option<&mut [u8]>,
) -> [u64; LANES] {
    if let Some(c) = &codes {
        assert!(c.len() >= len * LANES, "codes buffer too short");
    }
    let lanes_fit = lanes.states.iter().zip(&lanes.channel).all(|(s, &c)| {
        s.coef1 > -32768
            && s.coef2 > -32768
            && s.coef1 <= 32767
            && s.coef2 <= 32767
            && (1..=MAX_DELTA).contains(&s.delta)
            && (-32768..=32767).contains(&s.sample1)
            && (-32768..=32767).contains(&s.sample2)
            && c < channels
    });
    let readable = len == 0 || pcm.len() >= (first + len - 1) * channels + LANES;
    let simd_ok = lanes_fit && readable && channels <= MAX_CHANNELS;
    match level {
        #[cfg(target_arch = "x86_64")]
        SimdLevel::Avx2 | SimdLevel::Avx512 if simd_ok => {
            avx2::greedy_lanes(pcm, channels, first, len, lanes, codes)
        }
        _ => scalar::greedy_lanes(pcm, channels, first, len, lanes, codes),
    }
}

/// The energy of the prediction residual `s[i+2] - ((s[i+1]·c1 + s[i]·c2) >> 8)` over every
/// other window (`i = 0, 2, 4, ...`) of `samples`.
pub(crate) fn pair_energy(level: SimdLevel, samples: &[i16], [c1, c2]: [i16; 2]) -> u64 {
    match level {
        // Both -32768 is the one pair whose product sum overflows a 32-bit lane.
        #[cfg(target_arch = "x86_64")]
        SimdLevel::Avx2 | SimdLevel::Avx512 if c1 > -32768 || c2 > -32768 => {
            avx2::pair_energy(samples, [c1, c2])
        }
        _ => scalar::pair_energy(samples, [c1, c2], 0),
    }
}

/// Decodes the whole blocks of `bytes` into `pcm` at `level`, as many as both hold; returns
/// the warnings. The same as [`decode_block`](super::decode_block) on each block.
pub(crate) fn decode_blocks(
    level: SimdLevel,
    params: &MsParams,
    bytes: &[u8],
    pcm: &mut [i16],
) -> u64 {
    match level {
        #[cfg(target_arch = "x86_64")]
        SimdLevel::Avx512 => avx512::decode_blocks(params, bytes, pcm),
        #[cfg(target_arch = "x86_64")]
        SimdLevel::Avx2 => avx2::decode_blocks(params, bytes, pcm),
        _ => scalar::decode_blocks(params, bytes, pcm),
    }
}

#[cfg(test)]
mod tests;
