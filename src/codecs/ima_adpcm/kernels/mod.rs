//! Kernels of the IMA ADPCM greedy encoder: up to [`LANES`] independent chains (a channel of a
//! block, from one starting state) coded in lockstep, each sample taking the code whose decoded
//! sample is nearest ([`nearest_code`](super::encoder::nearest_code)). One file per level;
//! `scalar` is the reference that `avx512` matches bit for bit (AVX2 machines run the scalar
//! kernel).

pub(crate) mod scalar;

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
