//! The scalar reference kernels.

use super::{Lanes, LANES};
use crate::codecs::ms_adpcm::encoder::nearest_signed_code;
use crate::codecs::ms_adpcm::{decode_block, MsParams};

/// See [`super::decode_blocks`].
pub(crate) fn decode_blocks(params: &MsParams, bytes: &[u8], pcm: &mut [i16]) -> u64 {
    let block_samples = params.samples_per_block() * params.channels();
    let mut warnings = 0;
    for (block, out) in bytes
        .chunks_exact(params.block_align())
        .zip(pcm.chunks_exact_mut(block_samples))
    {
        decode_block(params, block, out, &mut warnings);
    }
    warnings
}

/// See [`super::greedy_lanes`].
pub(crate) fn greedy_lanes(
    pcm: &[i16],
    channels: usize,
    first: usize,
    len: usize,
    lanes: &Lanes,
    mut codes: Option<&mut [u8]>,
) -> [u64; LANES] {
    let mut costs = [0u64; LANES];
    for (l, cost) in costs.iter_mut().enumerate() {
        let mut state = lanes.states[l];
        for i in 0..len {
            let x = pcm[(first + i) * channels + lanes.channel[l]] as i32;
            let code = (nearest_signed_code(&state, x) & 15) as u8;
            let (next, y, _) = state.peek(code);
            let e = (x - y) as i64;
            *cost += (e * e) as u64;
            state = next;
            if let Some(c) = codes.as_deref_mut() {
                c[i * LANES + l] = code;
            }
        }
    }
    costs
}

/// See [`super::pair_energy`]; sums the windows from `start` (even) on.
pub(crate) fn pair_energy(samples: &[i16], [c1, c2]: [i16; 2], start: usize) -> u64 {
    let (c1, c2) = (c1 as i64, c2 as i64);
    // In i64: a custom table's coefficients can reach ±32768.
    samples
        .get(start..)
        .unwrap_or(&[])
        .windows(3)
        .step_by(2)
        .map(|w| (w[2] as i64 - ((w[1] as i64 * c1 + w[0] as i64 * c2) >> 8)).pow(2) as u64)
        .fold(0u64, u64::wrapping_add)
}
